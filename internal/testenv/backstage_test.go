package testenv

import (
	"encoding/base64"
	"encoding/json"
	"net/http"
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
)

func TestMain(m *testing.M) { os.Exit(BackstageMain(m)) }

// backstageErrors is the body of Backstage's 4xx answers from
// validate-entity: {"errors": [{"name": ..., "message": ...}]}.
type backstageErrors struct {
	Errors []struct {
		Name    string `json:"name"`
		Message string `json:"message"`
	} `json:"errors"`
}

// backstageError is the body of Backstage's other error answers.
type backstageError struct {
	Error struct {
		Name    string `json:"name"`
		Message string `json:"message"`
	} `json:"error"`
}

func validComponent() map[string]any {
	return map[string]any{
		"apiVersion": "backstage.io/v1alpha1",
		"kind":       "Component",
		"metadata":   map[string]any{"name": "checkout", "annotations": map[string]any{"github.com/project-slug": "stagecrew/checkout"}},
		"spec":       map[string]any{"type": "service", "lifecycle": "production", "owner": "group:default/payments"},
	}
}

func TestBackstageServes(t *testing.T) {
	bs := Backstage(t)
	if pid := bs.Pid; pid > 0 {
		if status, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/status"); err == nil {
			for line := range strings.Lines(string(status)) {
				if strings.HasPrefix(line, "VmRSS:") {
					t.Logf("Backstage started in %v, %s", bs.Startup.Round(time.Millisecond), strings.Join(strings.Fields(line), " "))
				}
			}
		}
	}
	resp, body := bs.Do(t, http.MethodGet, "/.backstage/health/v1/readiness", nil)
	if resp.StatusCode != http.StatusOK {
		t.Errorf("readiness: %s %s", resp.Status, body)
	}
	// Without the token the catalog turns callers away.
	resp, err := http.Get(bs.URL + "/api/catalog/entities")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("GET /api/catalog/entities without a token: %s, want 401", resp.Status)
	}
}

func TestBackstageValidateEntity(t *testing.T) {
	bs := Backstage(t)
	const location = "url:https://example.com/catalog-info.yaml"

	resp, body := bs.Do(t, http.MethodPost, "/api/catalog/validate-entity", map[string]any{
		"entity": validComponent(), "location": location,
	})
	if resp.StatusCode != http.StatusOK {
		t.Errorf("valid Component: %s %s, want 200", resp.Status, body)
	}

	template := map[string]any{
		"apiVersion": "scaffolder.backstage.io/v1beta3",
		"kind":       "Template",
		"metadata":   map[string]any{"name": "deploy-service"},
		"spec": map[string]any{
			"type":  "service",
			"owner": "group:default/platform",
			"steps": []any{map[string]any{"id": "log", "action": "debug:log", "input": map[string]any{"message": "hi"}}},
		},
	}
	resp, body = bs.Do(t, http.MethodPost, "/api/catalog/validate-entity", map[string]any{"entity": template, "location": location})
	if resp.StatusCode != http.StatusOK {
		t.Errorf("valid Template: %s %s, want 200", resp.Status, body)
	}

	for _, tc := range []struct {
		name string
		edit func(e map[string]any)
		want []string // all in the first error's message
	}{
		{
			name: "bad name",
			edit: func(e map[string]any) { e["metadata"].(map[string]any)["name"] = "check out" },
			want: []string{`"metadata.name" is not valid`, `"check out"`},
		},
		{
			name: "no lifecycle",
			edit: func(e map[string]any) { delete(e["spec"].(map[string]any), "lifecycle") },
			want: []string{"lifecycle"},
		},
		{
			name: "unknown kind",
			edit: func(e map[string]any) { e["kind"] = "Fruit" },
			want: []string{"No processor recognized the entity fruit:default/checkout"},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			entity := validComponent()
			tc.edit(entity)
			resp, body := bs.Do(t, http.MethodPost, "/api/catalog/validate-entity", map[string]any{"entity": entity, "location": location})
			t.Logf("%s: %s", resp.Status, body)
			if resp.StatusCode != http.StatusBadRequest {
				t.Fatalf("%s, want 400", resp.Status)
			}
			var errs backstageErrors
			if err := json.Unmarshal(body, &errs); err != nil || len(errs.Errors) == 0 {
				t.Fatalf("answer is not {errors: [...]}: %v", err)
			}
			for _, w := range tc.want {
				if !strings.Contains(errs.Errors[0].Message, w) {
					t.Errorf("message %q does not contain %q", errs.Errors[0].Message, w)
				}
			}
		})
	}
}

func TestBackstageScaffolderActions(t *testing.T) {
	bs := Backstage(t)
	resp, body := bs.Do(t, http.MethodGet, "/api/scaffolder/v2/actions", nil)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("%s %s", resp.Status, body)
	}
	var actions []struct {
		ID     string `json:"id"`
		Schema struct {
			Input json.RawMessage `json:"input"`
		} `json:"schema"`
	}
	if err := json.Unmarshal(body, &actions); err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, a := range actions {
		ids = append(ids, a.ID)
	}
	t.Logf("%d actions: %s", len(ids), strings.Join(ids, " "))
	for _, want := range []string{"fetch:template", "debug:log", "publish:github", "github:actions:dispatch"} {
		if !slices.Contains(ids, want) {
			t.Errorf("no %s among the actions", want)
		}
	}
	for _, a := range actions {
		if a.ID == "github:actions:dispatch" {
			for _, field := range []string{"repoUrl", "workflowId", "branchOrTagName"} {
				if !strings.Contains(string(a.Schema.Input), `"`+field+`"`) {
					t.Errorf("github:actions:dispatch input schema has no %s: %s", field, a.Schema.Input)
				}
			}
		}
	}
}

func TestBackstageDryRun(t *testing.T) {
	bs := Backstage(t)
	skeleton := "# ${{ values.name }}\nowner: ${{ values.owner }}\n"
	req := map[string]any{
		"template": map[string]any{
			"apiVersion": "scaffolder.backstage.io/v1beta3",
			"kind":       "Template",
			"metadata":   map[string]any{"name": "dry"},
			"spec": map[string]any{
				"type": "service",
				"parameters": []any{map[string]any{
					"type":       "object",
					"required":   []any{"name"},
					"properties": map[string]any{"name": map[string]any{"type": "string"}, "owner": map[string]any{"type": "string"}},
				}},
				"steps": []any{
					map[string]any{"id": "fetch", "name": "Fetch", "action": "fetch:template", "input": map[string]any{
						"url":    "./skeleton",
						"values": map[string]any{"name": "${{ parameters.name }}", "owner": "${{ parameters.owner }}"},
					}},
					map[string]any{"id": "log", "action": "debug:log", "input": map[string]any{"message": "made ${{ parameters.name }}"}},
				},
				"output": map[string]any{"text": []any{map[string]any{"title": "name", "content": "${{ parameters.name }}"}}},
			},
		},
		"values":  map[string]any{"name": "checkout", "owner": "payments"},
		"secrets": map[string]any{},
		"directoryContents": []any{map[string]any{
			"path":          "skeleton/README.md",
			"base64Content": base64.StdEncoding.EncodeToString([]byte(skeleton)),
		}},
	}
	resp, body := bs.Do(t, http.MethodPost, "/api/scaffolder/v2/dry-run", req)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("%s %s", resp.Status, body)
	}
	var got struct {
		Log []struct {
			Body struct {
				StepID  string `json:"stepId"`
				Status  string `json:"status"`
				Message string `json:"message"`
			} `json:"body"`
		} `json:"log"`
		DirectoryContents []struct {
			Path          string `json:"path"`
			Executable    bool   `json:"executable"`
			Base64Content string `json:"base64Content"`
		} `json:"directoryContents"`
		Output struct {
			Text []struct{ Title, Content string } `json:"text"`
		} `json:"output"`
		Steps []struct{ ID, Name, Action string } `json:"steps"`
	}
	if err := json.Unmarshal(body, &got); err != nil {
		t.Fatal(err)
	}
	if len(got.DirectoryContents) != 1 || got.DirectoryContents[0].Path != "README.md" {
		t.Fatalf("directoryContents = %+v, want README.md alone", got.DirectoryContents)
	}
	content, err := base64.StdEncoding.DecodeString(got.DirectoryContents[0].Base64Content)
	if err != nil {
		t.Fatal(err)
	}
	if want := "# checkout\nowner: payments\n"; string(content) != want {
		t.Errorf("rendered README.md = %q, want %q", content, want)
	}
	if len(got.Output.Text) != 1 || got.Output.Text[0].Content != "checkout" {
		t.Errorf("output = %+v", got.Output)
	}
	if len(got.Steps) != 2 || got.Steps[1].Name != "debug:log" {
		t.Errorf("steps = %+v, want fetch and log (named after its action)", got.Steps)
	}
	logged := false
	for _, l := range got.Log {
		logged = logged || (l.Body.StepID == "log" && strings.Contains(l.Body.Message, "made checkout"))
	}
	if !logged {
		t.Errorf("no log line of step log says %q", "made checkout")
	}

	// Values that do not match the parameters' schema: 400 with the
	// jsonschema errors.
	req["values"] = map[string]any{"owner": "payments"}
	resp, body = bs.Do(t, http.MethodPost, "/api/scaffolder/v2/dry-run", req)
	if resp.StatusCode != http.StatusBadRequest || !strings.Contains(string(body), `requires property \"name\"`) {
		t.Errorf("dry run without the required name: %s %s, want 400 naming it", resp.Status, body)
	}
}

func TestBackstageNotifications(t *testing.T) {
	bs := Backstage(t)
	bs.WaitForEntity(t, "group:default/stagecrew", 30*time.Second)
	type sent struct {
		ID      string `json:"id"`
		User    *string
		Origin  string `json:"origin"`
		Payload struct {
			Title, Severity string
		} `json:"payload"`
	}
	for _, tc := range []struct {
		name      string
		entityRef string
	}{
		{"user", "user:default/guest"},
		// The seed group's one member is user:default/guest.
		{"group", "group:default/stagecrew"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			resp, body := bs.Do(t, http.MethodPost, "/api/notifications", map[string]any{
				"recipients": map[string]any{"type": "entity", "entityRef": []string{tc.entityRef}},
				"payload":    map[string]any{"title": "t"},
			})
			t.Logf("%s %s", resp.Status, body)
			if resp.StatusCode != http.StatusOK {
				t.Fatalf("%s, want 200", resp.Status)
			}
			var got []sent
			if err := json.Unmarshal(body, &got); err != nil {
				t.Fatal(err)
			}
			if len(got) != 1 || got[0].ID == "" || got[0].User == nil || *got[0].User != "user:default/guest" ||
				got[0].Origin != "stagecrew-tests" || got[0].Payload.Title != "t" || got[0].Payload.Severity != "normal" {
				t.Errorf("answer = %+v, want one notification to user:default/guest from stagecrew-tests, severity normal", got)
			}
		})
	}

	resp, body := bs.Do(t, http.MethodPost, "/api/notifications", map[string]any{
		"recipients": map[string]any{"type": "entity", "entityRef": []string{"user:default/guest"}},
		"payload":    map[string]any{},
	})
	if resp.StatusCode != http.StatusBadRequest || !strings.Contains(string(body), "title") {
		t.Errorf("notification without a title: %s %s, want 400 naming title", resp.Status, body)
	}
	// Reading notifications needs a user; the static token is a service.
	resp, body = bs.Do(t, http.MethodGet, "/api/notifications", nil)
	if resp.StatusCode != http.StatusForbidden {
		t.Errorf("GET /api/notifications with a service token: %s %s, want 403", resp.Status, body)
	}
}

func TestBackstageRefresh(t *testing.T) {
	bs := Backstage(t)
	bs.WaitForEntity(t, "component:default/stagecrew-seed", 30*time.Second)
	resp, body := bs.Do(t, http.MethodPost, "/api/catalog/refresh", map[string]any{"entityRef": "component:default/stagecrew-seed"})
	if resp.StatusCode != http.StatusOK {
		t.Errorf("refresh: %s %s, want 200", resp.Status, body)
	}
	resp, body = bs.Do(t, http.MethodPost, "/api/catalog/refresh", map[string]any{"entityRef": "component:default/no-such-thing"})
	var e backstageError
	if resp.StatusCode != http.StatusNotFound || json.Unmarshal(body, &e) != nil || e.Error.Name != "NotFoundError" {
		t.Errorf("refresh of an unknown entity: %s %s, want 404 NotFoundError", resp.Status, body)
	}
}

func TestBackstageEvents(t *testing.T) {
	bs := Backstage(t)
	sub := bs.Subscribe(t, strings.ReplaceAll(t.Name(), "/", "-"), "stagecrew")

	// The HTTP ingress takes events without a token.
	post, err := http.Post(bs.URL+"/api/events/http/stagecrew", "application/json", strings.NewReader(`{"deployment":"checkout","status":"succeeded"}`))
	if err != nil {
		t.Fatal(err)
	}
	post.Body.Close()
	if post.StatusCode != http.StatusAccepted {
		t.Fatalf("POST /api/events/http/stagecrew: %s, want 202", post.Status)
	}

	events := bs.Events(t, sub)
	if len(events) != 1 || events[0].Topic != "stagecrew" || string(events[0].Payload) != `{"deployment":"checkout","status":"succeeded"}` {
		t.Errorf("events = %+v", events)
	}

	// Topics not under events.http.topics have no ingress.
	resp, body := bs.Do(t, http.MethodPost, "/api/events/http/elsewhere", map[string]any{})
	if resp.StatusCode != http.StatusNotFound {
		t.Errorf("POST /api/events/http/elsewhere: %s %s, want 404", resp.Status, body)
	}
}

func TestStartBackstageReportsFailure(t *testing.T) {
	dir := NPM(t, "test/backstage")
	// A static token shorter than 8 characters stops the backend at startup.
	srv, err := StartBackstage(dir, BackstageOptions{Env: []string{"BACKSTAGE_TOKEN=short"}})
	if err == nil {
		srv.Close()
		t.Fatal("StartBackstage with a 5-character token succeeded")
	}
	first, _, _ := strings.Cut(err.Error(), "\n")
	t.Logf("%s", first)
	for _, want := range []string{"node exited before it was ready", "Illegal token, must be at least 8 characters"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error does not say %q", want)
		}
	}
}
