package policy

import (
	"errors"
	"strings"
	"testing"
)

func TestParsePolicyErrors(t *testing.T) {
	tests := []struct {
		name string
		text string
		want []string // each a line of the error
	}{
		{"unknown top-level key", "version: 1\nenvironments: {}\nenviroments: {}\n",
			[]string{`p.yaml:3: enviroments: unknown key "enviroments" (known: version, backstage, environments)`}},
		{"unknown rule key", "version: 1\nenvironments:\n  prod:\n    allow:\n      - principals: [owner]\n        branch: main\n",
			[]string{`p.yaml:6: environments.prod.allow[0].branch: unknown key "branch" (known: name, principals, refs, events, actions, repositories)`}},
		{"backstage section", "version: 1\nbackstage:\n  dispatchers: [\"acme backstage\", \"acme-backstage[bot]\"]\n  templates: [component:x, stagecrew-deploy]\n  maxTaskAge: 2d\nenvironments: {}\n",
			[]string{`p.yaml:3: backstage.dispatchers[0]: "acme backstage" is not a GitHub login`,
				`p.yaml:4: backstage.templates[0]: "component:x" is not a template ref`,
				`p.yaml:5: backstage.maxTaskAge: must be a duration from 1s to 24h0m0s such as 15m, found the string "2d"`}},
		{"backstage too long", "version: 1\nbackstage:\n  maxTaskAge: 25h\n  owner: x\nenvironments: {}\n",
			[]string{`p.yaml:3: backstage.maxTaskAge: must be a duration`, `p.yaml:4: backstage.owner: unknown key "owner" (known: dispatchers, templates, maxTaskAge)`}},
		{"version missing", "environments: {}\n", []string{"p.yaml:1: version: is required (version: 1)"}},
		{"version unsupported", "version: 2\nenvironments: {}\n", []string{"p.yaml:1: version: unsupported version int 2"}},
		{"version as string", "version: \"1\"\nenvironments: {}\n", []string{`p.yaml:1: version: unsupported version the string "1"`}},
		{"environments missing", "version: 1\n", []string{"p.yaml:1: environments: is required"}},
		{"bool required", "version: 1\nenvironments:\n  prod:\n    requireGitHubEnvironment: yes\n    allow: []\n",
			[]string{`p.yaml:4: environments.prod.requireGitHubEnvironment: must be true or false, found the string "yes"`}},
		{"allow missing", "version: 1\nenvironments:\n  prod:\n    requireGitHubEnvironment: true\n",
			[]string{"p.yaml:4: environments.prod.allow: is required"}},
		{"principals missing", "version: 1\nenvironments:\n  prod:\n    allow:\n      - refs: [refs/heads/main]\n",
			[]string{"p.yaml:5: environments.prod.allow[0].principals: is required"}},
		{"bad principal", "version: 1\nenvironments:\n  prod:\n    allow:\n      - principals:\n          - owner\n          - sre\n          - component:x\n",
			[]string{`p.yaml:7: environments.prod.allow[0].principals[1]: "sre" is ambiguous: write owner, anyone, group:sre or user:sre`,
				`p.yaml:8: environments.prod.allow[0].principals[2]: "component:x": a principal is owner, anyone, group:NAME or user:NAME, not a component`}},
		{"bad ref, event, action, repository", "version: 1\nenvironments:\n  \"*\":\n    allow:\n      - principals: [owner]\n        refs: [main]\n        events: [workflow-dispatch]\n        actions: [lambda:invoke]\n        repositories: [checkout]\n",
			[]string{`p.yaml:6: environments.*.allow[0].refs[0]: "main" is not a ref pattern`,
				`p.yaml:7: environments.*.allow[0].events[0]: "workflow-dispatch" is not a GitHub event name`,
				`p.yaml:8: environments.*.allow[0].actions[0]: "lambda:invoke" matches no action`,
				`p.yaml:9: environments.*.allow[0].repositories[0]: "checkout" is not an OWNER/REPO pattern`}},
		{"list expected", "version: 1\nenvironments:\n  prod:\n    allow:\n      - principals: owner\n",
			[]string{"p.yaml:5: environments.prod.allow[0].principals: must be a list of strings, found the string \"owner\""}},
		{"duplicate key", "version: 1\nversion: 1\nenvironments: {}\n", nil}, // yaml.v3 itself may refuse; either way an error
		{"bad environment name", "version: 1\nenvironments:\n  \"pro duction\":\n    allow: []\n",
			[]string{`p.yaml:3: environments.pro duction: "pro duction" is not an environment name`}},
		{"aliases refused", "version: 1\nenvironments:\n  a: &x\n    allow: []\n  b: *x\n",
			[]string{"p.yaml:5: environments.b: anchors and aliases are not supported"}},
		{"syntax error has a line", "version: 1\nenvironments:\n  prod: [\n", []string{"p.yaml:"}},
		{"not a mapping", "- 1\n", []string{"p.yaml:1: must be a mapping, found a list"}},
		{"empty", "", []string{"p.yaml: file is empty"}},
		{"two documents", "version: 1\nenvironments: {}\n---\nversion: 1\n", []string{"one YAML document"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ParsePolicy("p.yaml", []byte(tt.text))
			if err == nil {
				t.Fatal("no error")
			}
			var fe *FileError
			if !errors.As(err, &fe) {
				t.Fatalf("%T is not a *FileError: %v", err, err)
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error:\n%v\nlacks:\n%s", err, w)
				}
			}
		})
	}
}

func TestParsePolicyGood(t *testing.T) {
	p := loadTestPolicy(t)
	prod := p.Environments["production"]
	if !prod.RequireGitHubEnvironment || len(prod.Allow) != 2 {
		t.Fatalf("%+v", prod)
	}
	r := prod.Allow[1]
	if r.Name != "sre-run-task" || len(r.Principals) != 2 || r.Principals[1].String() != "user:default/carol" || r.Position.Line != 19 {
		t.Fatalf("%+v", r)
	}
	if p.Environments["frozen"].Allow != nil && len(p.Environments["frozen"].Allow) != 0 {
		t.Fatal("frozen allows someone")
	}
}

func TestGlobMatch(t *testing.T) {
	tests := []struct {
		pat, s string
		want   bool
	}{
		{"refs/heads/main", "refs/heads/main", true},
		{"refs/heads/main", "refs/heads/mainx", false},
		{"refs/tags/v*", "refs/tags/v1.2.3", true},
		{"refs/tags/v*", "refs/tags/v1/evil", false},
		{"refs/heads/**", "refs/heads/a/b/c", true},
		{"refs/heads/release-?", "refs/heads/release-1", true},
		{"refs/heads/a.b", "refs/heads/aXb", false},
		{"acme/*", "acme/checkout", true},
		{"ecs:*", "ecs:run-task", true},
		{"ecs:*", "stepfunctions:start", false},
		{"\xff*", "\xffa", false}, // invalid UTF-8 matches nothing
	}
	for _, tt := range tests {
		if got := globMatch(tt.pat, tt.s); got != tt.want {
			t.Errorf("globMatch(%q, %q) = %v", tt.pat, tt.s, got)
		}
	}
}

func FuzzParsePolicy(f *testing.F) {
	f.Add([]byte("version: 1\nenvironments:\n  \"*\":\n    allow:\n      - principals: [owner]\n"))
	f.Add([]byte("version: 1\nenvironments:\n  prod:\n    requireGitHubEnvironment: true\n    allow:\n      - name: x\n        principals: [group:sre, user:a/b]\n        refs: [default-branch, refs/tags/v*]\n        events: [push]\n        actions: [\"ecs:*\"]\n        repositories: [acme/*]\n"))
	f.Add([]byte("version: 1\nenvironments: {a: &x {allow: []}, b: *x}\n"))
	f.Add([]byte("{version: 1, environments: {prod: {allow: [{principals: [owner], bogus: 1}]}}}\n"))
	f.Add([]byte("- [\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		p, err := ParsePolicy("f.yaml", data)
		if err != nil {
			var fe *FileError
			if !errors.As(err, &fe) || len(fe.Problems) == 0 {
				t.Fatalf("error is not a *FileError with problems: %v", err)
			}
			for _, pr := range fe.Problems {
				if pr.File != "f.yaml" || pr.Message == "" {
					t.Fatalf("problem without file or message: %+v", pr)
				}
			}
			return
		}
		if p.Version != Version || p.Environments == nil {
			t.Fatalf("accepted a policy without version or environments: %+v", p)
		}
		for name, env := range p.Environments {
			for _, r := range env.Allow {
				if len(r.Principals) == 0 {
					t.Fatalf("environment %q: accepted a rule without principals", name)
				}
			}
		}
	})
}
