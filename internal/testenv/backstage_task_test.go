package testenv

import (
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"
)

// deployCatalog writes a catalog for the deploy chain: user alice (GitHub
// login alice-gh) in group orders-team, which owns component orders
// (repository acme/orders, a Step Functions state machine, environment
// staging), and a Location of the shipped deploy template.
func deployCatalog(t *testing.T) string {
	t.Helper()
	template := filepath.Join(RepoRoot(t), "templates", "deploy-entity", "template.yaml")
	catalog := `apiVersion: backstage.io/v1alpha1
kind: User
metadata:
  name: alice
  annotations:
    github.com/user-login: alice-gh
spec:
  memberOf: [orders-team]
---
apiVersion: backstage.io/v1alpha1
kind: Group
metadata:
  name: orders-team
spec:
  type: team
  children: []
---
apiVersion: backstage.io/v1alpha1
kind: Component
metadata:
  name: orders
  annotations:
    github.com/project-slug: acme/orders
    aws.amazon.com/aws-stepfunctions-state-machine-arn: arn:aws:states:us-east-1:123456789012:stateMachine:orders
    stagecrew.dev/environments: staging
spec:
  type: service
  lifecycle: production
  owner: group:default/orders-team
---
apiVersion: backstage.io/v1alpha1
kind: Location
metadata:
  name: stagecrew-deploy-template
spec:
  type: file
  target: ` + template + "\n"
	path := filepath.Join(t.TempDir(), "catalog-info.yaml")
	if err := os.WriteFile(path, []byte(catalog), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// TestBackstageDeployTask runs the whole "who clicked Deploy" chain on a
// real Backstage: alice signs in (guest provider) and creates a real task
// of the shipped deploy template; its github:actions:dispatch step reaches
// the GitHub stand-in with the task's ID among the workflow inputs; the
// "workflow" then calls Backstage with its own OIDC token (checked by
// Backstage against the local issuer's JWKS), reads who created the task,
// and notifies her; alice reads the notification with her own token.
func TestBackstageDeployTask(t *testing.T) {
	oidc := StartOIDC(t)
	oidc.SetClaims(map[string]any{
		"sub": "repo:acme/orders:environment:staging", "environment": "staging",
		"repository": "acme/orders", "workflow_ref": "acme/orders/.github/workflows/deploy.yaml@refs/heads/main",
	})
	gh := StartGitHub(t, GitHubOptions{})
	jwks := OIDCJWKS(oidc)
	// Also list "backstage" as an audience, to show that Backstage cannot
	// take it (see BackstageJWKSAudience).
	jwks.Audience = BackstageJWKSAudience + ",backstage"
	bs := NewBackstage(t, BackstageOptions{
		CatalogFile:  deployCatalog(t),
		GuestUser:    "user:default/alice",
		JWKS:         jwks,
		GitHubAPIURL: gh.URL, GitHubToken: gh.Token,
	})
	if bs == nil {
		return
	}
	t.Logf("Backstage with auth and the JWKS entry ready in %v", bs.Startup.Round(time.Millisecond))
	start := time.Now()
	for _, ref := range []string{"user:default/alice", "component:default/orders", "template:default/stagecrew-deploy"} {
		bs.WaitForEntity(t, ref, 30*time.Second)
	}
	t.Logf("catalog ingested in %v", time.Since(start).Round(time.Millisecond))

	userToken, who := bs.SignIn(t)
	if who.UserEntityRef != "user:default/alice" || !slices.Contains(who.OwnershipEntityRefs, "group:default/orders-team") {
		t.Errorf("signed in as %+v, want user:default/alice, a member of group:default/orders-team", who)
	}
	workflowToken := oidc.Mint(BackstageJWKSAudience)

	t.Run("external tokens", func(t *testing.T) {
		for _, c := range []struct {
			name, token string
			want        int
			message     string
		}{
			{"oidc", workflowToken, http.StatusOK, ""},
			{"other audience", oidc.Mint("https://github.com/acme"), http.StatusUnauthorized, "Illegal token"},
			// Listed as an audience, yet taken for a legacy user token.
			{"audience backstage", oidc.Mint("backstage"), http.StatusUnauthorized, "Failed user token verification"},
			{"static", bs.Token, http.StatusOK, ""},
			{"user", userToken, http.StatusOK, ""},
		} {
			resp, body := bs.DoAs(t, c.token, http.MethodGet, "/api/catalog/entities?filter=kind=component", nil)
			if resp.StatusCode != c.want || !strings.Contains(string(body), c.message) {
				t.Errorf("%s: GET /api/catalog/entities answers %s %.300s, want %d %q", c.name, resp.Status, body, c.want, c.message)
			}
		}
		// The access restrictions hold: the auth plugin is not listed.
		if resp, body := bs.DoAs(t, workflowToken, http.MethodGet, "/api/auth/v1/userinfo", nil); resp.StatusCode != http.StatusForbidden ||
			!strings.Contains(string(body), "restricted to plugin(s) 'catalog', 'scaffolder', 'notifications', 'events'") {
			t.Errorf("OIDC token on the auth plugin: %s %.300s, want 403 for its access restrictions", resp.Status, body)
		}
	})

	values := map[string]any{"entity": "component:default/orders", "environment": "staging", "image": "", "input": "{}"}
	start = time.Now()
	id := bs.CreateTask(t, userToken, "template:default/stagecrew-deploy", values)
	done := bs.WaitTask(t, id, 60*time.Second)
	t.Logf("task %s completed in %v", id, time.Since(start).Round(time.Millisecond))

	dispatches := gh.Dispatches()
	if len(dispatches) != 1 {
		t.Fatalf("GitHub received %d dispatches, want 1: %+v", len(dispatches), dispatches)
	}
	d := dispatches[0]
	wantInputs := map[string]any{"backstage-task": id, "entity": "component:default/orders", "environment": "staging", "image": "", "input": "{}"}
	if d.Owner != "acme" || d.Repo != "orders" || d.Workflow != "deploy.yaml" || d.Ref != "main" || !d.ReturnRunDetails ||
		!reflect.DeepEqual(d.Inputs, wantInputs) {
		t.Errorf("dispatch = %+v, want acme/orders deploy.yaml on main with run details and inputs %v", d, wantInputs)
	}

	// The task's output links to the run the stand-in answered with.
	var out struct {
		Links []struct{ Title, URL, EntityRef string } `json:"links"`
	}
	if b, _ := json.Marshal(done["output"]); json.Unmarshal(b, &out) != nil || len(out.Links) == 0 || out.Links[0].URL != d.HTMLURL || d.HTMLURL == "" {
		t.Errorf("task output = %v, want a first link to %q", done["output"], d.HTMLURL)
	}

	// The workflow, with its OIDC token only, reads who created the task.
	resp, body := bs.DoAs(t, workflowToken, http.MethodGet, "/api/scaffolder/v2/tasks/"+id, nil)
	var task struct {
		CreatedBy string `json:"createdBy"`
		CreatedAt string `json:"createdAt"`
		Spec      struct {
			TemplateInfo struct {
				EntityRef string `json:"entityRef"`
			} `json:"templateInfo"`
			Parameters map[string]any `json:"parameters"`
		} `json:"spec"`
	}
	if resp.StatusCode != http.StatusOK || json.Unmarshal(body, &task) != nil {
		t.Fatalf("GET the task with the OIDC token: %s %.500s", resp.Status, body)
	}
	if _, err := time.Parse(time.RFC3339, task.CreatedAt); err != nil || task.CreatedBy != "user:default/alice" ||
		task.Spec.TemplateInfo.EntityRef != "template:default/stagecrew-deploy" || !reflect.DeepEqual(task.Spec.Parameters, values) {
		t.Errorf("task as the workflow reads it: createdBy %q createdAt %q (%v) template %q parameters %v",
			task.CreatedBy, task.CreatedAt, err, task.Spec.TemplateInfo.EntityRef, task.Spec.Parameters)
	}
	if resp, _ := bs.DoAs(t, oidc.Mint("https://github.com/acme"), http.MethodGet, "/api/scaffolder/v2/tasks/"+id, nil); resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("GET the task with an OIDC token for another audience: %s, want 401", resp.Status)
	}

	// ... and notifies her; she reads it as herself.
	resp, body = bs.DoAs(t, workflowToken, http.MethodPost, "/api/notifications", map[string]any{
		"recipients": map[string]any{"type": "entity", "entityRef": task.CreatedBy},
		"payload":    map[string]any{"title": "orders deployed to staging", "link": d.HTMLURL, "topic": "stagecrew"},
	})
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("POST /api/notifications with the OIDC token: %s %.500s", resp.Status, body)
	}
	got := bs.Notifications(t, userToken)
	if len(got) != 1 {
		t.Fatalf("alice has %d notifications, want 1: %v", len(got), got)
	}
	payload, _ := got[0]["payload"].(map[string]any)
	if got[0]["user"] != "user:default/alice" || got[0]["origin"] != "external:github:repo:acme/orders:environment:staging" ||
		payload["title"] != "orders deployed to staging" || payload["link"] != d.HTMLURL {
		t.Errorf("alice's notification = %v", got[0])
	}
}
