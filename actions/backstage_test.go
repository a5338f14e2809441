package actions

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"net/http"
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
	bs := testenv.NewBackstage(t, testenv.BackstageOptions{CatalogFile: catalogFile})
	for _, ref := range []string{"component:default/payments", "group:default/payments", "user:default/jane"} {
		bs.WaitForEntity(t, ref, 60*time.Second)
	}
	sub := "/api/events/bus/v1/subscriptions/stagecrew-action-test"
	if resp, body := bs.Do(t, http.MethodPut, sub, map[string]any{"topics": []string{"stagecrew"}}); resp.StatusCode != http.StatusCreated {
		t.Fatalf("subscribing: %s %s", resp.Status, body)
	}

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
	if strings.Contains(log.String(), bs.Token) {
		t.Errorf("the Backstage token leaked into the log")
	}

	resp, body := bs.Do(t, http.MethodGet, sub+"/events", nil)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("reading events: %s %s", resp.Status, body)
	}
	var got struct {
		Events []struct {
			Topic   string        `json:"topic"`
			Payload result.Result `json:"payload"`
		} `json:"events"`
	}
	if err := json.Unmarshal(body, &got); err != nil {
		t.Fatal(err)
	}
	if len(got.Events) != 1 || got.Events[0].Payload.Status != result.Succeeded || got.Events[0].Payload.ID != res.ID ||
		got.Events[0].Payload.Audit.Actor != "octocat" {
		t.Errorf("events = %s", body)
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
