package testenv

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// PipelineCase is one catalog file for the catalog's processing pipeline:
// its text and the files beside it (the targets of $text, $json and $yaml
// placeholders and of Location entities), by path relative to it. In the
// text, PipelineBase stands for the absolute URL of the case's folder on
// the file server, for placeholders with absolute URLs.
type PipelineCase struct {
	ID    string
	YAML  string
	Files map[string]string
}

// PipelineBase is replaced, in a PipelineCase's text, by the absolute URL
// of its folder (no trailing slash).
const PipelineBase = "@@BASE@@"

// PipelineResult is the catalog's verdict on one PipelineCase.
type PipelineResult struct {
	ID string
	// OK is true when the catalog read the file and every entity in it
	// passed the whole processing pipeline (placeholders, the output
	// collector, the policies, the kind processors, Location targets).
	OK bool
	// Error is the catalog's message when OK is false, with its causes.
	Error string
	// Entities is how many entities the dry run returned when OK (the
	// Location of the file itself included).
	Entities int
	// Refs are the refs of those entities.
	Refs []string
}

// DryRunLocations hands every case to the real catalog as a url location
// (POST /api/catalog/locations?dryRun=true), the way a repository's
// catalog-info.yaml reaches it: each file is served on loopback by a Go
// file server (net/http's, the real thing, not a stand-in for anything), so
// the catalog reads it and its relative placeholders and Location targets
// over HTTP, as it reads them from GitHub. A dry run runs the whole
// processing pipeline but stops at the first entity that fails, so the
// verdict is one per file. Requests go four at a time.
func (s *BackstageServer) DryRunLocations(t testing.TB, cases []PipelineCase) []PipelineResult {
	t.Helper()
	dir := t.TempDir()
	for i, c := range cases {
		base := filepath.Join(dir, fmt.Sprint(i))
		files := map[string]string{"catalog-info.yaml": c.YAML}
		for name, text := range c.Files {
			files[name] = text
		}
		for name, text := range files {
			p := filepath.Join(base, filepath.FromSlash(name))
			if !strings.HasPrefix(p, base+string(filepath.Separator)) {
				t.Fatalf("testenv: case %s: file %q is outside its folder", c.ID, name)
			}
			if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
	files := httptest.NewServer(http.FileServer(http.Dir(dir)))
	defer files.Close()
	for i, c := range cases {
		if strings.Contains(c.YAML, PipelineBase) {
			text := strings.ReplaceAll(c.YAML, PipelineBase, files.URL+"/"+fmt.Sprint(i))
			if err := os.WriteFile(filepath.Join(dir, fmt.Sprint(i), "catalog-info.yaml"), []byte(text), 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}

	results := make([]PipelineResult, len(cases))
	next := make(chan int)
	var wg sync.WaitGroup
	var mu sync.Mutex
	var failed error
	start := time.Now()
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				target := files.URL + "/" + fmt.Sprint(i) + "/catalog-info.yaml"
				r, err := s.dryRun(target)
				if err != nil {
					mu.Lock()
					failed = fmt.Errorf("case %s: %w", cases[i].ID, err)
					mu.Unlock()
					continue
				}
				r.ID = cases[i].ID
				results[i] = r
			}
		}()
	}
	for i := range cases {
		next <- i
	}
	close(next)
	wg.Wait()
	if failed != nil {
		t.Fatalf("testenv: dry-run locations: %v", failed)
	}
	t.Logf("testenv: %d dry-run locations in %v", len(cases), time.Since(start).Round(time.Millisecond))
	return results
}

// dryRun posts one dry-run location; an answer other than 201 or 400 is
// an error of the test setup.
func (s *BackstageServer) dryRun(target string) (PipelineResult, error) {
	body := strings.NewReader(fmt.Sprintf(`{"type":"url","target":%q}`, target))
	req, err := http.NewRequest(http.MethodPost, s.URL+"/api/catalog/locations?dryRun=true", body)
	if err != nil {
		return PipelineResult{}, err
	}
	req.Header.Set("Authorization", "Bearer "+s.Token)
	req.Header.Set("Content-Type", "application/json")
	resp, err := s.Client.Do(req)
	if err != nil {
		return PipelineResult{}, err
	}
	defer resp.Body.Close()
	var out struct {
		Entities []struct {
			Kind     string `json:"kind"`
			Metadata struct {
				Name      string `json:"name"`
				Namespace string `json:"namespace"`
			} `json:"metadata"`
		} `json:"entities"`
		Error *catalogAPIError `json:"error"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil {
		return PipelineResult{}, fmt.Errorf("%s: decoding the answer: %w", resp.Status, err)
	}
	switch resp.StatusCode {
	case http.StatusCreated, http.StatusOK:
		r := PipelineResult{OK: true, Entities: len(out.Entities)}
		for _, e := range out.Entities {
			r.Refs = append(r.Refs, strings.ToLower(e.Kind+":"+e.Metadata.Namespace+"/"+e.Metadata.Name))
		}
		return r, nil
	case http.StatusBadRequest, http.StatusNotFound, http.StatusConflict, http.StatusForbidden:
		if out.Error == nil {
			return PipelineResult{}, fmt.Errorf("%s without an error", resp.Status)
		}
		return PipelineResult{Error: out.Error.String()}, nil
	}
	msg := ""
	if out.Error != nil {
		msg = out.Error.String()
	}
	return PipelineResult{}, fmt.Errorf("%s for %s: %s", resp.Status, url.PathEscape(target), msg)
}

// catalogAPIError is the error body of Backstage's REST API.
type catalogAPIError struct {
	Name    string           `json:"name"`
	Message string           `json:"message"`
	Cause   *catalogAPIError `json:"cause"`
}

func (e *catalogAPIError) String() string {
	s := e.Name + ": " + e.Message
	if e.Cause != nil {
		s += "; caused by " + e.Cause.String()
	}
	return s
}
