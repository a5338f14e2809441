package ghrepo_test

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stagecrew/stagecrew/pkg/ghrepo"
	"github.com/stagecrew/stagecrew/pkg/report"
)

// inFlight counts the blob requests a client has open at once. Each is held
// a little so that requests overlap when the reader lets them.
type inFlight struct {
	mu       sync.Mutex
	now, max int
	next     http.RoundTripper
}

func (f *inFlight) RoundTrip(r *http.Request) (*http.Response, error) {
	if !strings.Contains(r.URL.Path, "/git/blobs/") {
		return f.next.RoundTrip(r)
	}
	f.mu.Lock()
	f.now++
	f.max = max(f.max, f.now)
	f.mu.Unlock()
	defer func() {
		f.mu.Lock()
		f.now--
		f.mu.Unlock()
	}()
	time.Sleep(10 * time.Millisecond)
	return f.next.RoundTrip(r)
}

func TestEntitiesBoundsConcurrentReads(t *testing.T) {
	gh, _ := startGitHub(t)
	files := map[string]string{}
	for i := range 40 {
		files[fmt.Sprintf("teams/t%02d/catalog-info.yaml", i)] = fmt.Sprintf("apiVersion: backstage.io/v1alpha1\nkind: Group\nmetadata:\n  name: t%02d\nspec:\n  type: team\n  children: []\n", i)
	}
	// Two more files with the same content as others: their blobs are read
	// once.
	files["copies/a.yaml"], files["copies/b.yaml"] = files["teams/t00/catalog-info.yaml"], files["teams/t01/catalog-info.yaml"]
	gh.SetRepository("acme", "org", "main", files)
	for _, conc := range []int{1, 3} {
		counter := &inFlight{next: http.DefaultTransport}
		c, err := report.NewGitHubClient(&http.Client{Transport: counter}, gh.URL, gh.Token)
		if err != nil {
			t.Fatal(err)
		}
		s := open(t, c, "acme", "org", func(o *ghrepo.Options) { o.Limits.Concurrency = conc })
		before := len(gh.Requests())
		start := time.Now()
		ents, err := s.Entities(context.Background())
		if err != nil || len(ents) != 42 {
			t.Fatalf("Entities: %d, %v", len(ents), err)
		}
		t.Logf("concurrency %d: 40 files in %v, %d requests", conc, time.Since(start).Round(time.Millisecond), len(gh.Requests())-before)
		if counter.max != conc {
			t.Errorf("concurrency %d: %d blob requests were open at once", conc, counter.max)
		}
		if n := len(gh.Requests()) - before; n != 41 {
			t.Errorf("%d requests for a listing and 40 distinct blobs", n)
		}
	}
}
