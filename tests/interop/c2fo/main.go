// Command c2fo-interop plays a c2fo/vfs contrib/lockfile process on local files, so the LockActors tests can check
// both directions of interoperation with sidecars produced and judged by Go's own encoding/json.
//
// It uses only the standard library: c2fo's module cannot be fetched here, so its Metadata struct is retyped below
// from its documented shape (contrib/lockfile, v1.2.0). Every command prints one JSON object on stdout.
//
//	c2fo-interop write   -path P -ttl D [-created T] [-hostname H] [-pid N] [-owner O]
//	c2fo-interop judge   -path P [-now T]
//	c2fo-interop acquire -path P -ttl D [-owner O] [-now T]
//	c2fo-interop release -path P
//
// D is a Go duration ("30s", "0") or a number of nanoseconds; T is RFC 3339 (default: this host's clock).
// Exit codes: 0 done, 2 usage error, 3 the sidecar could not be decoded (c2fo's Metadata() would fail), 4 I/O error.
package main

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"strconv"
	"time"
)

// Metadata is c2fo's sidecar shape: json.MarshalIndent(meta, "", "  ") writes it; json.NewDecoder reads it
// (unknown fields, such as LockActors' own, are ignored by encoding/json).
type Metadata struct {
	CreatedAt time.Time     `json:"createdAt"`
	TTL       time.Duration `json:"ttl"`
	Hostname  string        `json:"hostname"`
	PID       int           `json:"pid"`
	OwnerID   string        `json:"ownerId,omitempty"`
}

// verdict is what judge prints: c2fo's IsStale answer and what it was computed from.
type verdict struct {
	Stale     bool   `json:"stale"`
	CreatedAt string `json:"createdAt"`
	TTL       int64  `json:"ttl"`
	ExpiresAt string `json:"expiresAt,omitempty"`
	Now       string `json:"now"`
	Hostname  string `json:"hostname"`
	PID       int    `json:"pid"`
	OwnerID   string `json:"ownerId,omitempty"`
}

func main() {
	if len(os.Args) < 2 {
		fail(2, "usage: c2fo-interop write|judge|acquire|release -path P [flags]")
	}

	flags := flag.NewFlagSet(os.Args[1], flag.ContinueOnError)
	path := flags.String("path", "", "sidecar path")
	ttl := flags.String("ttl", "0", "lock TTL: Go duration or nanoseconds; 0 = never stale")
	created := flags.String("created", "", "createdAt (RFC 3339); default now")
	hostname := flags.String("hostname", "", "hostname; default os.Hostname()")
	pid := flags.Int("pid", os.Getpid(), "pid")
	owner := flags.String("owner", "", "owner id (omitted when empty)")
	now := flags.String("now", "", "the reader's clock (RFC 3339); default now")
	if err := flags.Parse(os.Args[2:]); err != nil || *path == "" {
		fail(2, "bad arguments for "+os.Args[1])
	}

	switch os.Args[1] {
	case "write":
		meta := Metadata{CreatedAt: parseTime(*created), TTL: parseTTL(*ttl), Hostname: host(*hostname), PID: *pid, OwnerID: *owner}
		write(*path, meta)
		emit(map[string]any{"written": *path, "createdAt": meta.CreatedAt.Format(time.RFC3339Nano), "ttl": int64(meta.TTL)})
	case "judge":
		meta := read(*path)
		emit(judge(meta, parseTime(*now)))
	case "acquire":
		emit(acquire(*path, parseTTL(*ttl), *owner, parseTime(*now)))
	case "release":
		emit(map[string]any{"released": release(*path)})
	default:
		fail(2, "unknown command "+os.Args[1])
	}
}

// judge is c2fo's IsStale: ttl 0 never expires; otherwise stale once now is after createdAt + ttl.
func judge(meta Metadata, now time.Time) verdict {
	v := verdict{CreatedAt: meta.CreatedAt.Format(time.RFC3339Nano), TTL: int64(meta.TTL), Now: now.Format(time.RFC3339Nano),
		Hostname: meta.Hostname, PID: meta.PID, OwnerID: meta.OwnerID}
	if meta.TTL == 0 {
		return v
	}
	expiry := meta.CreatedAt.Add(meta.TTL)
	v.ExpiresAt = expiry.Format(time.RFC3339Nano)
	v.Stale = now.After(expiry)
	return v
}

// acquire follows c2fo's Acquire: exists? → held unless stale → delete the stale lock → write <lock>.tmp → move it
// over the lock. None of it is conditional: that is what LockActors must survive.
func acquire(path string, ttl time.Duration, owner string, now time.Time) map[string]any {
	stole := false
	if _, err := os.Stat(path); err == nil {
		v := judge(read(path), now)
		if !v.Stale {
			return map[string]any{"acquired": false, "reason": "held", "verdict": v}
		}
		if err := os.Remove(path); err != nil {
			fail(4, "deleting stale lock: "+err.Error())
		}
		stole = true
	} else if !errors.Is(err, os.ErrNotExist) {
		fail(4, err.Error())
	}
	write(path, Metadata{CreatedAt: now.UTC(), TTL: ttl, Hostname: host(""), PID: os.Getpid(), OwnerID: owner})
	return map[string]any{"acquired": true, "stole": stole}
}

// release follows c2fo's Release: delete the lock file if it exists, whoever wrote it.
func release(path string) bool {
	if _, err := os.Stat(path); errors.Is(err, os.ErrNotExist) {
		return false
	}
	if err := os.Remove(path); err != nil {
		fail(4, err.Error())
	}
	return true
}

func write(path string, meta Metadata) {
	data, err := json.MarshalIndent(meta, "", "  ")
	if err != nil {
		fail(4, err.Error())
	}
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, data, 0o644); err != nil {
		fail(4, err.Error())
	}
	if err := os.Rename(tmp, path); err != nil {
		fail(4, err.Error())
	}
}

func read(path string) Metadata {
	f, err := os.Open(path)
	if err != nil {
		fail(4, err.Error())
	}
	defer f.Close()
	var meta Metadata
	if err := json.NewDecoder(f).Decode(&meta); err != nil {
		fail(3, "decoding metadata: "+err.Error())
	}
	return meta
}

func parseTTL(s string) time.Duration {
	if n, err := strconv.ParseInt(s, 10, 64); err == nil {
		return time.Duration(n)
	}
	d, err := time.ParseDuration(s)
	if err != nil {
		fail(2, "bad ttl: "+err.Error())
	}
	return d
}

func parseTime(s string) time.Time {
	if s == "" {
		return time.Now().UTC()
	}
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		fail(2, "bad time: "+err.Error())
	}
	return t
}

func host(given string) string {
	if given != "" {
		return given
	}
	h, err := os.Hostname()
	if err != nil {
		return "unknown"
	}
	return h
}

func emit(v any) {
	out, err := json.Marshal(v)
	if err != nil {
		fail(4, err.Error())
	}
	fmt.Println(string(out))
}

func fail(code int, message string) {
	out, _ := json.Marshal(map[string]string{"error": message})
	fmt.Println(string(out))
	os.Exit(code)
}
