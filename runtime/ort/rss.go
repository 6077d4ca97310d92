package ort

import (
	"os"
	"strconv"
	"strings"
)

// PeakRSS is the process's high-water resident set size in bytes (VmHWM, Linux), which the
// benchmarks and `nudge bench` report: with models loaded it is mostly ORT's memory. ok is
// false where /proc is not available.
func PeakRSS() (bytes int64, ok bool) { return procStatus("VmHWM:") }

// CurrentRSS is the process's resident set size now (VmRSS, Linux), for soak measurements.
func CurrentRSS() (bytes int64, ok bool) { return procStatus("VmRSS:") }

func procStatus(key string) (int64, bool) {
	data, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0, false
	}
	for _, line := range strings.Split(string(data), "\n") {
		if rest, found := strings.CutPrefix(line, key); found {
			kb, err := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(rest), "kB")), 10, 64)
			return kb << 10, err == nil
		}
	}
	return 0, false
}
