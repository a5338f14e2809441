package e2e

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/http"
	"net/http/httptest"
	"runtime"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"
)

// releaseServer serves release assets the way GitHub's release download
// URLs do: GET /v<version>/<asset>. Test double of GitHub's release
// download host, which cannot be reached here; only the path layout
// matters, the bytes are checked against the pinned checksums.
type releaseServer struct {
	URL string

	mu       sync.Mutex
	assets   map[string][]byte // "v1.2.3/stagecrew_1.2.3_linux_amd64.tar.gz"
	requests []string
	firstGet time.Time
}

func startReleaseServer(t *testing.T) *releaseServer {
	t.Helper()
	r := &releaseServer{assets: map[string][]byte{}}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		r.mu.Lock()
		r.requests = append(r.requests, req.Method+" "+req.URL.Path)
		if r.firstGet.IsZero() {
			r.firstGet = time.Now()
		}
		b, ok := r.assets[strings.TrimPrefix(req.URL.Path, "/")]
		r.mu.Unlock()
		if !ok || req.Method != http.MethodGet {
			http.NotFound(w, req)
			return
		}
		w.Header().Set("Content-Type", "application/octet-stream")
		w.Write(b)
	}))
	t.Cleanup(srv.Close)
	r.URL = srv.URL
	return r
}

// publish serves an asset of release version.
func (r *releaseServer) publish(version, name string, b []byte) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.assets["v"+version+"/"+name] = b
}

// Requests lists "METHOD path" of every request.
func (r *releaseServer) Requests() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]string(nil), r.requests...)
}

// hostPlatform is the runner's OS and architecture as RUNNER_OS and
// RUNNER_ARCH say them, and as GoReleaser names archives.
func hostPlatform(t *testing.T) (runnerOS, runnerArch, goos, goarch string) {
	t.Helper()
	switch runtime.GOOS {
	case "linux":
		runnerOS = "Linux"
	case "darwin":
		runnerOS = "macOS"
	default:
		t.Skipf("no runner OS for %s in these tests", runtime.GOOS)
	}
	switch runtime.GOARCH {
	case "amd64":
		runnerArch = "X64"
	case "arm64":
		runnerArch = "ARM64"
	default:
		t.Skipf("no runner arch for %s", runtime.GOARCH)
	}
	return runnerOS, runnerArch, runtime.GOOS, runtime.GOARCH
}

// archiveName is GoReleaser's name for the archive (.goreleaser.yaml's
// name_template).
func archiveName(version, goos, goarch string) string {
	return fmt.Sprintf("stagecrew_%s_%s_%s.tar.gz", version, goos, goarch)
}

// tarGz packs files (name -> content, mode 0755) as GoReleaser's tar.gz
// archives hold them: flat, the binary at the top.
func tarGz(t *testing.T, files map[string][]byte) []byte {
	t.Helper()
	var buf bytes.Buffer
	gz := gzip.NewWriter(&buf)
	tw := tar.NewWriter(gz)
	names := make([]string, 0, len(files))
	for n := range files {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		if err := tw.WriteHeader(&tar.Header{Name: n, Mode: 0o755, Size: int64(len(files[n])), Typeflag: tar.TypeReg}); err != nil {
			t.Fatal(err)
		}
		tw.Write(files[n])
	}
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
	if err := gz.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// checksumLine is one line of GoReleaser's checksums.txt.
func checksumLine(name string, b []byte) string {
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:]) + "  " + name + "\n"
}
