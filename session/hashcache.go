package session

import (
	"encoding/json"
	"os"
	"path/filepath"
)

// hashCache is the fingerprint cache file: SHA-256 per absolute path, valid while the
// file's size and modification time are unchanged.
type hashCache struct {
	Version int                   `json:"version"`
	Entries map[string]cacheEntry `json:"entries"`
	dirty   bool
}

type cacheEntry struct {
	Size    int64  `json:"size"`
	MtimeNS int64  `json:"mtime_ns"`
	SHA256  string `json:"sha256"`
}

const hashCacheVersion = 1

// loadHashCache reads the cache; a missing, unreadable or damaged file gives an empty cache,
// since every entry can be recomputed.
func loadHashCache(path string) *hashCache {
	c := &hashCache{Version: hashCacheVersion, Entries: map[string]cacheEntry{}}
	if path == "" {
		return c
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return c
	}
	var onDisk hashCache
	if json.Unmarshal(data, &onDisk) != nil || onDisk.Version != hashCacheVersion || onDisk.Entries == nil {
		return c
	}
	return &onDisk
}

func (c *hashCache) save(path string) error {
	data, err := json.MarshalIndent(c, "", " ")
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	return WriteFileAtomic(path, data, 0o666)
}
