# nudge — two commands on a fresh machine: `make run` and `make test`.
SHELL := /bin/bash
CACHE   ?= $(or $(XDG_CACHE_HOME),$(HOME)/.cache)/nudge
ORT_LIB := $(CACHE)/ort/1.30.0/libonnxruntime.so.1
GO      ?= go
export NUDGE_ORT_LIBRARY ?= $(ORT_LIB)

.PHONY: run test setup setup-gpu build vet bench demo clean

## run: fetch ONNX Runtime (cached), build, and open the studio on the demo model
run: setup build
	./nudge

## test: everything CI checks — formatting, vet, and the whole test suite on real ONNX Runtime
test: setup
	@bad=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go')); \
	  if [ -n "$$bad" ]; then echo "gofmt needed: $$bad"; exit 1; fi
	$(GO) vet ./...
	$(GO) test -count=1 -timeout 40m ./...

setup: $(ORT_LIB)

$(ORT_LIB): scripts/setup-ort
	scripts/setup-ort cpu

## setup-gpu: the CUDA 13 build of ONNX Runtime 1.29 into the cache
setup-gpu:
	scripts/setup-ort cuda

build:
	$(GO) build -o nudge .

vet:
	$(GO) vet ./...

bench: setup build
	$(GO) test -run '^$$' -bench . -benchtime 3x ./...

clean:
	rm -f nudge
