package policy

import (
	"context"
	"errors"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/stagecrew/stagecrew/pkg/catalog"
)

func loadTestCatalog(t *testing.T) *LocalCatalog {
	t.Helper()
	cat, err := LoadLocalCatalog("testdata/catalog.yaml")
	if err != nil {
		t.Fatal(err)
	}
	return cat
}

func entity(t *testing.T, cat *LocalCatalog, name string) *catalog.Entity {
	t.Helper()
	e, err := cat.Lookup(context.Background(), catalog.Ref{Kind: "Component", Namespace: "default", Name: name})
	if err != nil {
		t.Fatal(err)
	}
	return e
}

func loadTestPolicy(t *testing.T) *Policy {
	t.Helper()
	p, err := LoadPolicy("testdata/policy.yaml")
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func TestResolve(t *testing.T) {
	cat := loadTestCatalog(t)
	tests := []struct {
		login  string
		user   string
		groups []string
		err    error
	}{
		{"JohnDoe-GH", "user:default/jdoe", []string{"group:default/engineering", "group:default/payments", "group:default/platform"}, nil},
		{"johndoe-gh", "user:default/jdoe", nil, nil}, // case-insensitive
		{"alice", "user:default/alice", []string{"group:default/engineering", "group:default/platform", "group:default/sre"}, nil},
		{"ALICE", "user:default/alice", nil, nil},
		{"bobby", "user:default/bob", []string{"group:default/engineering", "group:default/payments", "group:default/payments-oncall", "group:default/platform"}, nil},
		{"bob", "", nil, ErrUnknownActor}, // bob's login is bobby
		{"carol", "user:default/carol", []string{"group:default/engineering", "group:default/payments", "group:default/platform"}, nil},
		{"eve", "", nil, ErrUnknownActor},
		{"erin", "user:default/erin", []string{"group:default/cycle-a", "group:default/cycle-b"}, nil},
		{"frank", "user:default/frank", []string{}, nil},
		{"nobody", "", nil, ErrUnknownActor},
		{"", "", nil, ErrUnknownActor},
	}
	for _, tt := range tests {
		t.Run(tt.login, func(t *testing.T) {
			id, err := Resolve(context.Background(), cat, tt.login)
			if tt.err != nil {
				if !errors.Is(err, tt.err) {
					t.Fatalf("err = %v, want %v", err, tt.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if id.User.String() != tt.user {
				t.Errorf("user = %s, want %s", id.User, tt.user)
			}
			if tt.groups == nil {
				return
			}
			got := []string{}
			for _, g := range id.Groups {
				got = append(got, g.String())
			}
			if !slices.Equal(got, tt.groups) {
				t.Errorf("groups = %v, want %v", got, tt.groups)
			}
		})
	}
}

func TestResolveAmbiguous(t *testing.T) {
	docs, err := catalog.Decode("x.yaml", []byte(`apiVersion: backstage.io/v1alpha1
kind: User
metadata: {name: a, annotations: {github.com/user-login: same}}
spec: {memberOf: []}
---
apiVersion: backstage.io/v1alpha1
kind: User
metadata: {name: b, annotations: {github.com/user-login: SAME}}
spec: {memberOf: []}
`), catalog.DecodeOptions{})
	if err != nil {
		t.Fatal(err)
	}
	cat, err := NewLocalCatalog(docs[0].Entity, docs[1].Entity)
	if err != nil {
		t.Fatal(err)
	}
	_, err = Resolve(context.Background(), cat, "same")
	if !errors.Is(err, ErrAmbiguousActor) || !strings.Contains(err.Error(), "user:default/a, user:default/b") {
		t.Fatalf("err = %v", err)
	}
	if _, err := NewLocalCatalog(docs[0].Entity, docs[0].Entity); err == nil || !strings.Contains(err.Error(), "defined twice") {
		t.Fatalf("duplicate: err = %v", err)
	}
}

func TestDecide(t *testing.T) {
	cat := loadTestCatalog(t)
	file := loadTestPolicy(t)
	base := Input{
		Environment: "staging", Action: ActionStepFunctionsStart,
		Repository: "acme/checkout", Event: "push", Ref: "refs/heads/main", DefaultBranch: "main",
		Catalog: cat,
	}
	type want struct {
		allowed bool
		rule    string
		reason  []string
		remedy  []string
	}
	tests := []struct {
		name   string
		policy *Policy // nil: DefaultPolicy
		entity string
		edit   func(*Input)
		want   want
	}{
		// The default policy.
		{"default: owner member anywhere", nil, "checkout", func(in *Input) { in.Actor = "JohnDoe-GH"; in.Ref = "refs/heads/feature/x" },
			want{true, "*/owner", []string{"members of the owner group:default/payments"}, nil}},
		{"default: member of a sub-group of the owner", nil, "checkout", func(in *Input) { in.Actor = "bobby" },
			want{true, "*/owner", nil, nil}},
		{"default: user only in group spec.members", nil, "checkout", func(in *Input) { in.Actor = "carol" },
			want{true, "*/owner", nil, nil}},
		{"default: not in owner group", nil, "checkout", func(in *Input) { in.Actor = "alice" },
			want{false, "*/owner", []string{"alice (user:default/alice) may not stepfunctions:start component:default/checkout in staging", "is not in the owner group:default/payments"},
				[]string{"add user:default/alice to group:default/payments (the owner)"}}},
		{"default: production from the default branch", nil, "checkout", func(in *Input) { in.Actor = "JohnDoe-GH"; in.Environment = "production" },
			want{true, "production/owner-from-default-branch", nil, nil}},
		{"default: production from a feature branch", nil, "checkout", func(in *Input) {
			in.Actor = "JohnDoe-GH"
			in.Environment = "production"
			in.Ref = "refs/heads/feature/fast"
		}, want{false, "production/owner-from-default-branch", []string{"ref refs/heads/feature/fast is not refs/heads/main"}, []string{"run from refs/heads/main"}}},
		{"default: prod alias also guarded", nil, "checkout", func(in *Input) { in.Actor = "JohnDoe-GH"; in.Environment = "prod"; in.Ref = "refs/tags/v1" },
			want{false, "prod/owner-from-default-branch", nil, []string{"run from refs/heads/main"}}},
		{"default: default branch unknown fails closed", nil, "checkout", func(in *Input) { in.Actor = "JohnDoe-GH"; in.Environment = "production"; in.DefaultBranch = "" },
			want{false, "production/owner-from-default-branch", []string{"the default branch (unknown here)"}, nil}},
		{"default: outsider to production, both remedies", nil, "checkout", func(in *Input) {
			in.Actor = "alice"
			in.Environment = "production"
			in.Ref = "refs/heads/wip"
		}, want{false, "production/owner-from-default-branch", []string{"is not in the owner group:default/payments; ref refs/heads/wip is not refs/heads/main"},
			[]string{"add user:default/alice to group:default/payments (the owner) and run from refs/heads/main"}}},
		{"default: owner is a user", nil, "solo", func(in *Input) { in.Actor = "frank"; in.Repository = "acme/solo" },
			want{true, "*/owner", []string{"the owner, user:default/frank"}, nil}},
		{"default: not the owning user", nil, "solo", func(in *Input) { in.Actor = "JohnDoe-GH"; in.Repository = "acme/solo" },
			want{false, "*/owner", []string{"is not the owner user:default/frank"}, []string{"have the owner user:default/frank run it"}}},
		{"default: unknown actor", nil, "checkout", func(in *Input) { in.Actor = "mallory" },
			want{false, "*", []string{"GitHub user mallory may not", "no User has github.com/user-login: mallory"}, []string{"add the annotation github.com/user-login: mallory"}}},
		{"default: name matches but login annotation differs", nil, "checkout", func(in *Input) { in.Actor = "eve" },
			want{false, "*", []string{`user:default/eve is GitHub user "eve-real", not "eve"`}, nil}},
		{"default: another repository", nil, "checkout", func(in *Input) { in.Actor = "JohnDoe-GH"; in.Repository = "evil/fork" },
			want{false, "*/owner", []string{"the workflow runs in evil/fork, not in acme/checkout (the entity's github.com/project-slug)"}, []string{"run the workflow in acme/checkout"}}},
		{"default: cycle in group parents", nil, "checkout", func(in *Input) { in.Actor = "erin" },
			want{false, "*/owner", nil, nil}},

		// The policy file, rule by rule.
		{"file: named group allowed", file, "checkout", func(in *Input) { in.Actor = "alice" },
			want{true, "staging/owner-and-sre", []string{"members of group:default/sre"}, nil}},
		{"file: event not allowed", file, "checkout", func(in *Input) { in.Actor = "alice"; in.Event = "pull_request" },
			want{false, "staging/owner-and-sre", []string{"event pull_request is not push or workflow_dispatch"}, []string{"trigger it with push or workflow_dispatch"}}},
		{"file: wildcard section", file, "checkout", func(in *Input) { in.Actor = "bobby"; in.Environment = "qa" },
			want{true, "*/owner", nil, nil}},
		{"file: production from tag in GitHub environment", file, "checkout", func(in *Input) {
			in.Actor = "JohnDoe-GH"
			in.Environment = "production"
			in.Ref = "refs/tags/v2.3.0"
			in.GitHubEnvironment = "Production"
		}, want{true, "production/owner-from-main", nil, nil}},
		{"file: GitHub environment required but absent", file, "checkout", func(in *Input) { in.Actor = "JohnDoe-GH"; in.Environment = "production" },
			want{false, "production/owner-from-main", []string{`environment production requires the job to run in GitHub environment "production", and it ran in no GitHub environment`},
				[]string{`run the job in GitHub environment "production"`}}},
		{"file: GitHub environment of another name", file, "checkout", func(in *Input) {
			in.Actor = "JohnDoe-GH"
			in.Environment = "production"
			in.GitHubEnvironment = "staging"
		}, want{false, "production/owner-from-main", []string{`ran in GitHub environment "staging"`}, nil}},
		{"file: action restricted", file, "checkout", func(in *Input) {
			in.Actor = "JohnDoe-GH"
			in.Environment = "production"
			in.GitHubEnvironment = "production"
			in.Action = ActionECSRunTask
		}, want{false, "production/owner-from-main", []string{"action ecs:run-task is not stepfunctions:start or ecs:deploy"}, []string{"add user:default/jdoe to group:default/sre or have user:default/carol run it"}}},
		{"file: named user allowed", file, "checkout", func(in *Input) {
			in.Actor = "carol"
			in.Environment = "production"
			in.GitHubEnvironment = "production"
			in.Action = ActionECSRunTask
			in.Ref = "refs/heads/hotfix"
		}, want{true, "production/sre-run-task", []string{"rule production/sre-run-task allows user:default/carol"}, nil}},
		{"file: anyone in the catalog, repositories glob", file, "checkout", func(in *Input) { in.Actor = "erin"; in.Environment = "sandbox"; in.Repository = "acme/playground" },
			want{true, "sandbox/allow[0]", []string{"anyone in the catalog"}, nil}},
		{"file: anyone, but not from outside the org", file, "checkout", func(in *Input) { in.Actor = "erin"; in.Environment = "sandbox"; in.Repository = "other/x" },
			want{false, "sandbox/allow[0]", []string{"the workflow runs in other/x, not in acme/*"}, nil}},
		{"file: anyone still needs a catalog user", file, "checkout", func(in *Input) { in.Actor = "mallory"; in.Environment = "sandbox" },
			want{false, "sandbox", []string{"GitHub user mallory"}, nil}},
		{"file: environment allowing nobody", file, "checkout", func(in *Input) { in.Actor = "JohnDoe-GH"; in.Environment = "frozen" },
			want{false, "frozen", []string{"the policy allows nobody in environment frozen"}, []string{"add a rule under environments.frozen.allow in testdata/policy.yaml"}}},
		{"file: no section and no wildcard", &Policy{Version: 1, Source: "p.yaml", Environments: map[string]*Environment{}}, "checkout", func(in *Input) { in.Actor = "JohnDoe-GH" },
			want{false, "", []string{"no section for staging"}, []string{"add environments.staging to p.yaml"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := base
			in.Entity = entity(t, cat, tt.entity)
			tt.edit(&in)
			d := Decide(context.Background(), in, tt.policy)
			if d.Allowed != tt.want.allowed || d.Rule != tt.want.rule {
				t.Fatalf("allowed=%v rule=%q, want %v %q\nreason: %s\nremedy: %s", d.Allowed, d.Rule, tt.want.allowed, tt.want.rule, d.Reason, d.Remedy)
			}
			for _, s := range tt.want.reason {
				if !strings.Contains(d.Reason, s) {
					t.Errorf("reason %q\n  lacks %q", d.Reason, s)
				}
			}
			for _, s := range tt.want.remedy {
				if !strings.Contains(d.Remedy, s) {
					t.Errorf("remedy %q\n  lacks %q", d.Remedy, s)
				}
			}
			if !d.Allowed && d.Reason == "" {
				t.Error("a denial without a reason")
			}
			if !d.Allowed && d.User != "" && d.Remedy == "" && tt.want.remedy != nil {
				t.Error("a denial without a remedy")
			}
			if d.Err != nil {
				t.Errorf("Err = %v", d.Err)
			}
		})
	}
}

// failingCatalog fails every lookup, as a Backstage API that is down would.
type failingCatalog struct{}

var errDown = errors.New("backstage: 503 Service Unavailable")

func (failingCatalog) Lookup(context.Context, catalog.Ref) (*catalog.Entity, error) {
	return nil, errDown
}
func (failingCatalog) UsersByGitHubLogin(context.Context, string) ([]*catalog.Entity, error) {
	return nil, errDown
}
func (failingCatalog) GroupsWithMember(context.Context, catalog.Ref) ([]*catalog.Entity, error) {
	return nil, errDown
}

func TestDecideFailsClosed(t *testing.T) {
	cat := loadTestCatalog(t)
	e := entity(t, cat, "checkout")
	d := Decide(context.Background(), Input{Entity: e, Environment: "staging", Actor: "alice", Catalog: failingCatalog{}}, nil)
	if d.Allowed || !errors.Is(d.Err, errDown) || !strings.Contains(d.Reason, "catalog could not be read") {
		t.Fatalf("%+v", d)
	}
	for _, in := range []Input{
		{Environment: "staging", Actor: "alice", Catalog: cat},
		{Entity: e, Actor: "alice", Catalog: cat},
		{Entity: e, Environment: "staging", Actor: "alice"},
	} {
		if d := Decide(context.Background(), in, nil); d.Allowed || d.Reason == "" {
			t.Errorf("%+v: %+v", in, d)
		}
	}
}

func TestLoadPolicyMissingFileIsDefault(t *testing.T) {
	p, err := LoadPolicy("testdata/does-not-exist.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if p.Source != "" || len(p.Environments) != 3 {
		t.Fatalf("%+v", p)
	}
}

func TestExamplePolicyParses(t *testing.T) {
	data, err := os.ReadFile("../../examples/policy.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := ParsePolicy("examples/policy.yaml", data); err != nil {
		t.Fatal(err)
	}
}
