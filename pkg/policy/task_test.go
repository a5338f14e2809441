package policy

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/stagecrew/stagecrew/pkg/catalog"
)

const taskPolicy = `version: 1
backstage:
  dispatchers: ["acme-backstage[bot]"]
  maxTaskAge: 10m
environments:
  "*":
    allow:
      - principals: [owner]
`

func TestCheckTask(t *testing.T) {
	p, err := ParsePolicy("policy.yaml", []byte(taskPolicy))
	if err != nil {
		t.Fatal(err)
	}
	now := time.Date(2026, 11, 29, 12, 0, 0, 0, time.UTC)
	task := func() Task {
		return Task{ID: "t-1", CreatedBy: "user:default/alice", CreatedAt: now.Add(-2 * time.Minute), Status: "processing",
			Template:   "template:default/stagecrew-deploy",
			Parameters: map[string]any{"entity": "component:default/orders", "environment": "staging", "input": `{"a": 1}`, "ref": "main"}}
	}
	run := func() TaskRun {
		return TaskRun{Actor: "ACME-Backstage[bot]", Ref: "refs/heads/main", Now: now,
			Parameters: map[string]string{"entity": "Component:orders", "environment": "staging", "image": "", "input": `{"a":1}`}}
	}
	user, err := CheckTask(task(), run(), p)
	if err != nil {
		t.Fatalf("CheckTask = %v, want the creator", err)
	}
	if user.String() != "user:default/alice" {
		t.Errorf("requester = %s, want user:default/alice", user)
	}

	tests := []struct {
		name   string
		change func(*Task, *TaskRun)
		policy string
		check  string
		field  string
		reason string
	}{
		{"actor not a dispatcher", func(_ *Task, r *TaskRun) { r.Actor = "octocat" }, "", CheckDispatcher, "", "dispatched by octocat"},
		{"no dispatchers configured", nil, "version: 1\nenvironments: {}\n", CheckDispatcher, "", "the policy names no dispatchers"},
		{"another template", func(tk *Task, _ *TaskRun) { tk.Template = "template:default/make-admin" }, "", CheckTemplate, "", "template:default/make-admin, not template:default/stagecrew-deploy"},
		{"stale", func(tk *Task, _ *TaskRun) { tk.CreatedAt = now.Add(-11 * time.Minute) }, "", CheckAge, "", "more than the 10m0s the policy allows"},
		{"future", func(tk *Task, _ *TaskRun) { tk.CreatedAt = now.Add(5 * time.Minute) }, "", CheckAge, "", "in the future"},
		{"no time", func(tk *Task, _ *TaskRun) { tk.CreatedAt = time.Time{} }, "", CheckAge, "", "no creation time"},
		{"failed", func(tk *Task, _ *TaskRun) { tk.Status = "failed" }, "", CheckStatus, "", "the task failed"},
		{"entity differs", func(_ *Task, r *TaskRun) { r.Parameters["entity"] = "component:default/payments" }, "", CheckParameter, "entity", `asked for entity "component:default/orders"`},
		{"environment differs", func(_ *Task, r *TaskRun) { r.Parameters["environment"] = "production" }, "", CheckParameter, "environment", `this run was asked for "production"`},
		{"image differs", func(_ *Task, r *TaskRun) { r.Parameters["image"] = "evil:latest" }, "", CheckParameter, "image", `asked for image (empty)`},
		{"input differs", func(_ *Task, r *TaskRun) { r.Parameters["input"] = `{"a":2}` }, "", CheckParameter, "input", "input"},
		{"parameter not a string", func(tk *Task, _ *TaskRun) { tk.Parameters["image"] = 3.0 }, "", CheckParameter, "image", "not a string"},
		{"ref differs", func(_ *Task, r *TaskRun) { r.Ref = "refs/heads/feature" }, "", CheckParameter, "ref", `ref "main"`},
		{"creator not a user", func(tk *Task, _ *TaskRun) { tk.CreatedBy = "group:default/platform" }, "", CheckCreator, "", "not a user entity ref"},
		{"no creator", func(tk *Task, _ *TaskRun) { tk.CreatedBy = "" }, "", CheckCreator, "", "(empty)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tk, r := task(), run()
			if tt.change != nil {
				tt.change(&tk, &r)
			}
			pol := p
			if tt.policy != "" {
				if pol, err = ParsePolicy("other.yaml", []byte(tt.policy)); err != nil {
					t.Fatal(err)
				}
			}
			_, err := CheckTask(tk, r, pol)
			var te *TaskError
			if !errors.As(err, &te) || !errors.Is(err, ErrTaskRefused) {
				t.Fatalf("CheckTask = %v, want a *TaskError", err)
			}
			if te.Check != tt.check || te.Field != tt.field || !strings.Contains(te.Reason, tt.reason) {
				t.Errorf("refused %s/%s: %q; want %s/%s containing %q", te.Check, te.Field, te.Reason, tt.check, tt.field, tt.reason)
			}
			if te.Task != "t-1" || !strings.Contains(err.Error(), "t-1") {
				t.Errorf("error %q does not name the task", err)
			}
		})
	}
}

func TestDecideOnRequester(t *testing.T) {
	cat := loadTestCatalog(t)
	e := entity(t, cat, "checkout")
	owner, _ := e.Spec["owner"].(string)
	ctx := context.Background()
	in := Input{Entity: e, Environment: "staging", Action: ActionStepFunctionsStart, Actor: "acme-backstage[bot]",
		Repository: "acme/checkout", Event: "workflow_dispatch", Ref: "refs/heads/main", Catalog: cat}

	// The dispatcher itself is no User: deciding on the actor denies.
	if d := Decide(ctx, in, nil); d.Allowed {
		t.Fatalf("the dispatcher was allowed: %s", d.Reason)
	}
	// A member of the owner group, named by the task, is allowed; the
	// decision and the record are about that user, not the bot.
	in.Requester = catalog.Ref{Kind: catalog.KindUser, Namespace: "default", Name: "jdoe"}
	in.Task = &Task{ID: "t-9", Template: "template:default/stagecrew-deploy"}
	d := Decide(ctx, in, nil)
	if !d.Allowed || d.User != "user:default/jdoe" || d.Actor != "acme-backstage[bot]" {
		t.Fatalf("Decide for jdoe = %+v (owner %s), want allowed on user:default/jdoe", d, owner)
	}
	if !strings.Contains(d.Reason, "user:default/jdoe (asked in Backstage; dispatched by acme-backstage[bot])") {
		t.Errorf("reason %q does not say who asked and who dispatched", d.Reason)
	}
	rec := NewRecord(in, d, RunDetails{})
	if rec.Requester != "user:default/jdoe" || rec.Dispatcher != "acme-backstage[bot]" || rec.Task != "t-9" || rec.Template != "template:default/stagecrew-deploy" || rec.Decision != DecisionAllow {
		t.Errorf("record = %+v", rec)
	}
	// Someone outside the owner group, and someone the catalog lacks.
	in.Requester.Name = "frank"
	if d := Decide(ctx, in, nil); d.Allowed || d.User != "user:default/frank" {
		t.Errorf("frank: %+v, want a denial on user:default/frank", d)
	}
	in.Requester.Name = "mallory"
	if d := Decide(ctx, in, nil); d.Allowed || !strings.Contains(d.Reason, "user:default/mallory (who asked in Backstage)") {
		t.Errorf("mallory: %+v, want a denial naming the unknown requester", d)
	}
	in.Requester = catalog.Ref{Kind: catalog.KindGroup, Namespace: "default", Name: "platform"}
	if d := Decide(ctx, in, nil); d.Allowed {
		t.Errorf("a group as requester was allowed: %+v", d)
	}
}
