package actions

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/sethvargo/go-githubactions"

	"github.com/stagecrew/stagecrew/internal/testenv"
	"github.com/stagecrew/stagecrew/pkg/result"
)

// TestRunWithBackstage: the entity, its owner group and the actor's user
// live only in a real Backstage backend, not in the repository. The action
// reads the entity and decides from Backstage's catalog, then notifies the
// owners, refreshes the entity and publishes the result as an event.
func TestRunWithBackstage(t *testing.T) {
	h := newHarness(t, `{"StartAt":"P","States":{"P":{"Type":"Pass","End":true}}}`)
	// Move the catalog from the workspace into Backstage.
	catalogFile := filepath.Join(t.TempDir(), "catalog-info.yaml")
	if err := os.Rename(filepath.Join(h.dir, "catalog-info.yaml"), catalogFile); err != nil {
		t.Fatal(err)
	}
	h.gh.SetRepository("acme", "payments", "main", map[string]string{"README.md": "catalog in Backstage\n"})
	bs := testenv.NewBackstage(t, testenv.BackstageOptions{CatalogFile: catalogFile})
	for _, ref := range []string{"component:default/payments", "group:default/payments", "user:default/jane"} {
		bs.WaitForEntity(t, ref, 60*time.Second)
	}
	sub := bs.Subscribe(t, "stagecrew-action-test", "stagecrew")

	h.env["INPUT_ENTITY"] = "component:default/payments"
	h.env["INPUT_BACKSTAGE-URL"] = bs.URL
	h.env["INPUT_BACKSTAGE-TOKEN"] = bs.Token
	var log bytes.Buffer
	a := githubactions.New(githubactions.WithGetenv(func(k string) string { return h.env[k] }), githubactions.WithWriter(&log))
	res, err := Run(context.Background(), Deps{Action: a, Issuer: h.oidc.URL, AWSEndpoint: h.moto.URL, Log: &log})
	if err != nil {
		t.Fatalf("Run: %v\n%s", err, log.String())
	}
	if res.Status != result.Succeeded || res.Target.Entity != "component:default/payments" || h.executions(t) != 1 {
		t.Fatalf("result %+v, %d executions", res, h.executions(t))
	}
	if strings.Contains(log.String(), "Backstage notification:") || strings.Contains(log.String(), "Backstage catalog refresh:") {
		t.Errorf("reporting to Backstage failed:\n%s", log.String())
	}
	if !strings.Contains(log.String(), "::add-mask::"+bs.Token) || strings.Count(log.String(), bs.Token) != 1 {
		t.Errorf("the Backstage token was not masked, or leaked into the log")
	}

	events := bs.Events(t, sub)
	var got result.Result
	if len(events) != 1 || json.Unmarshal(events[0].Payload, &got) != nil ||
		got.Status != result.Succeeded || got.ID != res.ID || got.Audit.Actor != "octocat" {
		t.Errorf("events = %+v", events)
	}

	// Denied through Backstage's catalog too: an actor it does not know.
	claims := testenv.GitHubClaims()
	claims["actor"] = "mallory"
	h.oidc.SetClaims(claims)
	h.env["GITHUB_RUN_ID"] = "2"
	if _, err := h.run(t); !errors.Is(err, ErrDenied) {
		t.Errorf("unknown actor: err = %v, want ErrDenied", err)
	}
}
