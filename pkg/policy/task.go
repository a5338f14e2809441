package policy

import (
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/stagecrew/stagecrew/pkg/catalog"
)

// ErrTaskRefused is wrapped by every *TaskError: a run dispatched by
// Backstage whose task cannot be trusted to name the requester.
var ErrTaskRefused = errors.New("Backstage task refused")

// Checks a *TaskError names.
const (
	CheckDispatcher = "dispatcher" // the run's actor is not a dispatcher
	CheckTemplate   = "template"   // the task ran another template
	CheckParameter  = "parameter"  // a parameter differs from the run's
	CheckAge        = "age"        // the task is too old, or from the future
	CheckCreator    = "creator"    // the task names no user as its creator
	CheckStatus     = "status"     // the task failed or was cancelled
)

// TaskError says which check refused a task, and why.
type TaskError struct {
	Task   string // the task id
	Check  string // CheckDispatcher, CheckTemplate, ...
	Field  string // for CheckParameter: the parameter that differs
	Reason string
	Remedy string // what would make the check pass, when anything would
}

// Error reads "Backstage task ID refused (CHECK): REASON".
func (e *TaskError) Error() string {
	return fmt.Sprintf("Backstage task %s refused (%s): %s", e.Task, e.Check, e.Reason)
}

// Unwrap returns ErrTaskRefused.
func (e *TaskError) Unwrap() error { return ErrTaskRefused }

// Task is what the policy needs of a Backstage scaffolder task (GET
// /api/scaffolder/v2/tasks/{id}).
type Task struct {
	ID         string
	CreatedBy  string // the user entity ref of who created it: user:default/alice
	CreatedAt  time.Time
	Status     string // open, processing, completed, failed, cancelled
	Template   string // spec.templateInfo.entityRef: template:default/stagecrew-deploy
	Parameters map[string]any
}

// TaskRun is the run a task is checked against: who dispatched it and what
// it was asked to do.
type TaskRun struct {
	Actor string // the OIDC token's actor: who dispatched the workflow
	// Parameters holds what the run was asked to do, by the name both the
	// template's form and the action use (entity, environment, image,
	// input); every one must equal the task's parameter of that name (an
	// absent parameter equals ""). The entity is compared as an entity ref,
	// JSON text as JSON.
	Parameters map[string]string
	// Ref is the ref the workflow runs on (refs/heads/main); when the task
	// has a "ref" parameter it must name the same branch or tag.
	Ref string
	Now time.Time
}

// TaskClockSkew is how far in the future a task's createdAt may be.
const TaskClockSkew = time.Minute

// CheckTask decides whether run may be judged as the task's creator under
// p's backstage section: run.Actor is a dispatcher, the task ran an allowed
// template, did not fail, is younger than the section's maxTaskAge, and its
// parameters equal the run's. It returns the creator's user ref, or a
// *TaskError naming the first check that failed.
func CheckTask(t Task, run TaskRun, p *Policy) (catalog.Ref, error) {
	if p == nil {
		p = DefaultPolicy()
	}
	d := p.Backstage
	refuse := func(check, field, remedy, format string, args ...any) (catalog.Ref, error) {
		return catalog.Ref{}, &TaskError{Task: t.ID, Check: check, Field: field, Reason: fmt.Sprintf(format, args...), Remedy: remedy}
	}
	if !slices.ContainsFunc(d.Dispatchers, func(s string) bool { return strings.EqualFold(s, run.Actor) }) {
		configured := "the policy names no dispatchers"
		if len(d.Dispatchers) > 0 {
			configured = "the policy's dispatchers are " + strings.Join(d.Dispatchers, ", ")
		}
		return refuse(CheckDispatcher, "", fmt.Sprintf("if %s is the account Backstage dispatches workflows as, add it to backstage.dispatchers in %s", run.Actor, policySource(p)),
			"the workflow was dispatched by %s, and %s: only Backstage's own dispatcher may name a requester", orNone(run.Actor), configured)
	}
	allowed := d.TemplatesOrDefault()
	tmpl, err := catalog.ParseRef(t.Template, catalog.KindTemplate, catalog.DefaultNamespace)
	if err != nil || !slices.ContainsFunc(allowed, tmpl.Equal) {
		var names []string
		for _, r := range allowed {
			names = append(names, r.String())
		}
		return refuse(CheckTemplate, "", "add the template to backstage.templates in "+policySource(p),
			"the task ran template %s, not %s", orNone(t.Template), strings.Join(names, " or "))
	}
	switch t.Status {
	case "failed", "cancelled":
		return refuse(CheckStatus, "", "", "the task %s", t.Status)
	}
	switch age := run.Now.Sub(t.CreatedAt); {
	case t.CreatedAt.IsZero():
		return refuse(CheckAge, "", "", "the task has no creation time")
	case age > d.MaxAge():
		return refuse(CheckAge, "", "run the template again in Backstage",
			"the task was created %s ago (%s), more than the %s the policy allows", age.Round(time.Second), t.CreatedAt.UTC().Format(time.RFC3339), d.MaxAge())
	case age < -TaskClockSkew:
		return refuse(CheckAge, "", "", "the task's creation time %s is in the future", t.CreatedAt.UTC().Format(time.RFC3339))
	}
	names := make([]string, 0, len(run.Parameters))
	for name := range run.Parameters {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		want := run.Parameters[name]
		got, ok := taskString(t.Parameters[name])
		if !ok {
			return refuse(CheckParameter, name, "", "the task's parameter %s is not a string", name)
		}
		if !sameParameter(name, got, want) {
			return refuse(CheckParameter, name, "", "the task asked for %s %s, and this run was asked for %s", name, quoteOrEmpty(got), quoteOrEmpty(want))
		}
	}
	if ref, ok := taskString(t.Parameters["ref"]); ok && ref != "" && run.Ref != "" && !sameGitRef(ref, run.Ref) {
		return refuse(CheckParameter, "ref", "", "the task asked for ref %q, and the workflow runs on %s", ref, run.Ref)
	}
	user, err := catalog.ParseRef(t.CreatedBy, catalog.KindUser, catalog.DefaultNamespace)
	if err != nil || !strings.EqualFold(user.Kind, catalog.KindUser) {
		return refuse(CheckCreator, "", "", "the task's createdBy %s is not a user entity ref", quoteOrEmpty(t.CreatedBy))
	}
	return user, nil
}

// taskString reads a parameter as the form sent it: a string, or nothing.
func taskString(v any) (string, bool) {
	switch v := v.(type) {
	case nil:
		return "", true
	case string:
		return v, true
	}
	return "", false
}

func sameParameter(name, got, want string) bool {
	if got == want {
		return true
	}
	switch name {
	case "entity":
		a, errA := catalog.ParseRef(got, catalog.KindComponent, catalog.DefaultNamespace)
		b, errB := catalog.ParseRef(want, catalog.KindComponent, catalog.DefaultNamespace)
		return errA == nil && errB == nil && a.Equal(b)
	case "input":
		var a, b any
		if json.Unmarshal([]byte(got), &a) != nil || json.Unmarshal([]byte(want), &b) != nil {
			return false
		}
		return reflect.DeepEqual(a, b)
	}
	return false
}

// sameGitRef compares a branch or tag name (main, v1.2.0) or full ref with
// the workflow's full ref.
func sameGitRef(param, ref string) bool {
	if param == ref {
		return true
	}
	return ref == "refs/heads/"+param || ref == "refs/tags/"+param
}

func quoteOrEmpty(s string) string {
	if s == "" {
		return "(empty)"
	}
	if len(s) > 200 {
		s = s[:200] + "..."
	}
	return fmt.Sprintf("%q", s)
}
