package policy

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"regexp"
	"slices"
	"strings"
	"sync"
	"time"

	yaml "go.yaml.in/yaml/v3"

	"github.com/stagecrew/stagecrew/pkg/catalog"
	"github.com/stagecrew/stagecrew/pkg/safefile"
)

// DefaultPath is where a repository keeps its policy file.
const DefaultPath = ".stagecrew/policy.yaml"

// Version is the policy file format version this package reads.
const Version = 1

// MaxFileSize is the largest policy file ParsePolicy reads.
const MaxFileSize = 1 << 20

// Wildcard is the environment key whose rules apply to every environment
// that has no section of its own.
const Wildcard = "*"

// DefaultBranchRef is the ref pattern that stands for the repository's
// default branch (Input.DefaultBranch).
const DefaultBranchRef = "default-branch"

// Actions stagecrew asks a decision for; rules match them with globs.
const (
	ActionStepFunctionsStart = "stepfunctions:start"
	ActionECSDeploy          = "ecs:deploy"
	ActionECSRunTask         = "ecs:run-task"
	// ActionCredentials hands the role's credentials to later steps of the
	// job (actions/credentials): whatever those steps do with them.
	ActionCredentials = "aws:credentials"
	// ActionDriftRead reads the entity's resources to compare them with
	// the catalog ('stagecrew drift'): read-only, never a change.
	ActionDriftRead = "drift:read"
	// ActionStepFunctionsDeploy publishes the state machine's definition
	// as a version and moves the environment's alias to it.
	ActionStepFunctionsDeploy = "stepfunctions:deploy"
)

// KnownActions lists the actions a rule may name.
var KnownActions = []string{ActionStepFunctionsStart, ActionECSDeploy, ActionECSRunTask, ActionCredentials, ActionDriftRead, ActionStepFunctionsDeploy}

// Policy is a parsed policy file: per environment, who may act, from where.
type Policy struct {
	Version int
	// Source is the file the policy was read from; "" for DefaultPolicy.
	Source string
	// Backstage says which runs dispatched by Backstage's scaffolder are
	// judged on the user who created the task (the action's backstage-task
	// input). DefaultPolicy and a file without the section trust no
	// dispatcher.
	Backstage Dispatch
	// Environments holds the sections by environment name; Wildcard holds
	// the section for every other environment. An environment with no
	// section, when there is no Wildcard section either, is denied.
	Environments map[string]*Environment
}

// DefaultDispatchTemplate is the template whose tasks a policy trusts when
// its backstage section names none: the deploy template stagecrew ships.
const DefaultDispatchTemplate = "template:default/stagecrew-deploy"

// DefaultMaxTaskAge is how old a scaffolder task may be when a policy sets
// no maxTaskAge.
const DefaultMaxTaskAge = 15 * time.Minute

// Dispatch is the policy file's backstage section: who Backstage dispatches
// workflows as, and which of its tasks are trusted to name the requester.
type Dispatch struct {
	// Dispatchers are the GitHub logins Backstage's GitHub integration
	// dispatches workflows as (its GitHub App's bot, such as
	// acme-backstage[bot], or a service account). A run whose OIDC actor is
	// not one of them cannot name a requester through a task.
	Dispatchers []string
	// Templates are the refs of the templates whose tasks may dispatch
	// runs; empty means DefaultDispatchTemplate.
	Templates []catalog.Ref
	// MaxTaskAge bounds the age of the task when the run reads it; 0 means
	// DefaultMaxTaskAge.
	MaxTaskAge time.Duration
	Position   catalog.Position
}

// TemplatesOrDefault returns Templates, or DefaultDispatchTemplate.
func (d Dispatch) TemplatesOrDefault() []catalog.Ref {
	if len(d.Templates) > 0 {
		return d.Templates
	}
	r, _ := catalog.ParseRef(DefaultDispatchTemplate, "", "")
	return []catalog.Ref{r}
}

// MaxAge returns MaxTaskAge, or DefaultMaxTaskAge.
func (d Dispatch) MaxAge() time.Duration {
	if d.MaxTaskAge > 0 {
		return d.MaxTaskAge
	}
	return DefaultMaxTaskAge
}

// Environment is the section of one environment.
type Environment struct {
	Name string
	// RequireGitHubEnvironment demands that the job runs in a GitHub
	// environment of the same name (proved by the OIDC token's environment
	// claim), so that its required reviewers and branch rules apply.
	RequireGitHubEnvironment bool
	// Allow lists the rules; a request is allowed when one of them matches.
	// An empty list allows nobody.
	Allow []Rule
}

// Rule allows a request when every one of its conditions holds. An empty
// list of refs, events or actions matches any.
type Rule struct {
	Name       string      // optional; Decision.Rule uses it when set
	Principals []Principal // who; required
	Refs       []string    // glob patterns (refs/heads/main, refs/tags/v*) or DefaultBranchRef
	Events     []string    // GitHub event names (push, workflow_dispatch, ...)
	Actions    []string    // glob patterns over KnownActions (ecs:*)
	// Repositories lists OWNER/REPO glob patterns the workflow may run in.
	// Empty means the entity's own github.com/project-slug (any repository
	// when the entity has none).
	Repositories []string
	Position     catalog.Position
}

// PrincipalKind says what a principal names.
type PrincipalKind int

// The kinds of principal.
const (
	// PrincipalOwner is the entity's owner: when the owner is a Group, its
	// members and the members of every group whose parent chain reaches it;
	// when the owner is a User, that user.
	PrincipalOwner PrincipalKind = iota + 1
	// PrincipalGroup is the members of a group and of its sub-groups.
	PrincipalGroup
	// PrincipalUser is one user.
	PrincipalUser
	// PrincipalAnyone is any actor that resolves to a User in the catalog.
	PrincipalAnyone
)

// Principal is one entry of a rule's principals.
type Principal struct {
	Kind PrincipalKind
	Ref  catalog.Ref // for PrincipalGroup and PrincipalUser
}

// String formats the principal as a policy file writes it.
func (p Principal) String() string {
	switch p.Kind {
	case PrincipalOwner:
		return "owner"
	case PrincipalAnyone:
		return "anyone"
	}
	return p.Ref.String()
}

// ParsePrincipal reads "owner", "anyone", "group:[ns/]name" or
// "user:[ns/]name". A bare name is an error: it could be either.
func ParsePrincipal(s string) (Principal, error) {
	switch s {
	case "owner":
		return Principal{Kind: PrincipalOwner}, nil
	case "anyone":
		return Principal{Kind: PrincipalAnyone}, nil
	}
	if !strings.Contains(s, ":") {
		return Principal{}, fmt.Errorf("%q is ambiguous: write owner, anyone, group:%s or user:%s", s, s, s)
	}
	r, err := catalog.ParseRef(s, "", "")
	if err != nil {
		return Principal{}, err
	}
	switch strings.ToLower(r.Kind) {
	case "group":
		r.Kind = catalog.KindGroup
		return Principal{Kind: PrincipalGroup, Ref: r}, nil
	case "user":
		r.Kind = catalog.KindUser
		return Principal{Kind: PrincipalUser, Ref: r}, nil
	}
	return Principal{}, fmt.Errorf("%q: a principal is owner, anyone, group:NAME or user:NAME, not a %s", s, r.Kind)
}

// FileError lists the problems of a policy file, each with its line.
type FileError struct {
	File     string
	Problems []catalog.Problem
}

// Error formats the problem as file:line: message.
func (e *FileError) Error() string {
	var b strings.Builder
	for i, p := range e.Problems {
		if i > 0 {
			b.WriteString("\n")
		}
		b.WriteString(p.String())
	}
	return b.String()
}

// DefaultPolicy is the policy of a repository without a policy file: the
// entity's owner may act in every environment, from any ref; in
// "production" and "prod" only from the default branch.
func DefaultPolicy() *Policy {
	owner := []Principal{{Kind: PrincipalOwner}}
	prod := func(name string) *Environment {
		return &Environment{Name: name, Allow: []Rule{{Name: "owner-from-default-branch", Principals: owner, Refs: []string{DefaultBranchRef}}}}
	}
	return &Policy{
		Version: Version,
		Environments: map[string]*Environment{
			Wildcard:     {Name: Wildcard, Allow: []Rule{{Name: "owner", Principals: owner}}},
			"production": prod("production"),
			"prod":       prod("prod"),
		},
	}
}

// MaxPolicyBytes bounds a policy file: 1 MiB, far more than any policy.
const MaxPolicyBytes = 1 << 20

// LoadPolicy reads the policy file at path; a missing file gives
// DefaultPolicy.
//
// Only a regular file of at most MaxPolicyBytes is read (see
// safefile.ReadFile): a pipe, device or link out of the file's folder is
// refused.
func LoadPolicy(path string) (*Policy, error) {
	data, err := safefile.ReadFile(path, MaxPolicyBytes)
	if errors.Is(err, os.ErrNotExist) {
		return DefaultPolicy(), nil
	}
	if err != nil {
		return nil, err
	}
	return ParsePolicy(path, data)
}

// ParsePolicy reads a policy file. Every problem — an unknown key, a value
// of the wrong type, a bad principal, ref pattern, event or action, an
// unsupported version — is reported in a *FileError with its line.
//
//	version: 1
//	environments:
//	  "*":
//	    allow:
//	      - principals: [owner]
//	  production:
//	    requireGitHubEnvironment: true
//	    allow:
//	      - name: owner-from-main
//	        principals: [owner, group:default/sre]
//	        refs: [default-branch, refs/tags/v*]
//	        events: [push, workflow_dispatch]
//	        actions: ["ecs:*"]
func ParsePolicy(file string, data []byte) (*Policy, error) {
	p := &parser{file: file}
	if len(data) > MaxFileSize {
		p.addf(0, "", "file is %d bytes, more than the limit of %d", len(data), MaxFileSize)
		return nil, p.err()
	}
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var root yaml.Node
	if err := dec.Decode(&root); err != nil {
		if errors.Is(err, io.EOF) {
			p.addf(0, "", "file is empty; it needs at least \"version: %d\"", Version)
			return nil, p.err()
		}
		p.syntax(err)
		return nil, p.err()
	}
	var extra yaml.Node
	if err := dec.Decode(&extra); err == nil {
		p.addf(extra.Line, "", "a policy file holds one YAML document; remove the second")
	} else if !errors.Is(err, io.EOF) {
		p.syntax(err)
	}
	pol := &Policy{Source: file, Environments: map[string]*Environment{}}
	if len(root.Content) == 0 {
		p.addf(0, "", "file is empty; it needs at least \"version: %d\"", Version)
		return nil, p.err()
	}
	p.root(root.Content[0], pol)
	if len(p.problems) > 0 {
		return nil, p.err()
	}
	return pol, nil
}

type parser struct {
	file     string
	problems []catalog.Problem
}

// reYAMLLine reads the line of a YAML error; compiled on first use, not at start.
var reYAMLLine = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^yaml: line (\d+): (.*)$`) })

func (p *parser) syntax(err error) {
	msg := err.Error()
	line := 0
	if m := reYAMLLine().FindStringSubmatch(msg); m != nil {
		fmt.Sscan(m[1], &line)
		msg = m[2]
	} else {
		msg = strings.TrimPrefix(msg, "yaml: ")
	}
	p.addf(line, "", "YAML syntax error: %s", msg)
}

func (p *parser) addf(line int, field, format string, args ...any) {
	p.problems = append(p.problems, catalog.Problem{
		Position: catalog.Position{File: p.file, Line: line},
		Field:    field,
		Message:  fmt.Sprintf(format, args...),
	})
}

func (p *parser) err() error {
	return &FileError{File: p.file, Problems: p.problems}
}

// mapping walks the keys of a mapping node, reporting unknown and
// duplicate keys; fn is called for each known key.
func (p *parser) mapping(n *yaml.Node, field string, known []string, fn func(key string, k, v *yaml.Node)) bool {
	if n.Kind == yaml.AliasNode {
		p.addf(n.Line, field, "anchors and aliases are not supported in policy files")
		return false
	}
	if n.Kind != yaml.MappingNode {
		p.addf(n.Line, field, "must be a mapping, found %s", describeNode(n))
		return false
	}
	seen := map[string]bool{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		key := k.Value
		sub := join(field, key)
		if k.Kind != yaml.ScalarNode {
			p.addf(k.Line, field, "keys must be plain strings")
			continue
		}
		if seen[key] {
			p.addf(k.Line, sub, "duplicate key")
			continue
		}
		seen[key] = true
		if key == "<<" {
			p.addf(k.Line, field, "merge keys (<<) are not supported in policy files")
			continue
		}
		if v.Kind == yaml.AliasNode {
			p.addf(v.Line, sub, "anchors and aliases are not supported in policy files")
			continue
		}
		if known != nil && !slices.Contains(known, key) {
			p.addf(k.Line, sub, "unknown key %q (known: %s)", key, strings.Join(known, ", "))
			continue
		}
		fn(key, k, v)
	}
	return true
}

func join(field, key string) string {
	if field == "" {
		return key
	}
	return field + "." + key
}

func describeNode(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "a mapping"
	case yaml.SequenceNode:
		return "a list"
	case yaml.AliasNode:
		return "an alias"
	case yaml.ScalarNode:
		switch n.ShortTag() {
		case "!!null":
			return "null"
		case "!!str":
			return fmt.Sprintf("the string %q", n.Value)
		}
		return fmt.Sprintf("%s %s", strings.TrimPrefix(n.ShortTag(), "!!"), n.Value)
	}
	return "nothing"
}

func (p *parser) root(n *yaml.Node, pol *Policy) {
	var sawVersion, sawEnvs bool
	ok := p.mapping(n, "", []string{"version", "backstage", "environments"}, func(key string, k, v *yaml.Node) {
		switch key {
		case "backstage":
			p.backstage(v, pol)
		case "version":
			sawVersion = true
			if v.Kind != yaml.ScalarNode || v.ShortTag() != "!!int" || v.Value != fmt.Sprint(Version) {
				p.addf(v.Line, "version", "unsupported version %s; this stagecrew reads version %d", describeNode(v), Version)
				return
			}
			pol.Version = Version
		case "environments":
			sawEnvs = true
			p.environments(v, pol)
		}
	})
	if !ok {
		return
	}
	if !sawVersion {
		p.addf(n.Line, "version", "is required (version: %d)", Version)
	}
	if !sawEnvs {
		p.addf(n.Line, "environments", "is required: a mapping from environment name (or \"*\") to its rules")
	}
}

// MaxTaskAgeLimit is the longest maxTaskAge a policy may set: a task id is
// a bearer of its creator's identity for that long.
const MaxTaskAgeLimit = 24 * time.Hour

func (p *parser) backstage(n *yaml.Node, pol *Policy) {
	d := &pol.Backstage
	d.Position = catalog.Position{File: p.file, Line: n.Line}
	p.mapping(n, "backstage", []string{"dispatchers", "templates", "maxTaskAge"}, func(key string, k, v *yaml.Node) {
		field := "backstage." + key
		switch key {
		case "dispatchers", "templates":
			for j, s := range p.strings(v, field) {
				if s == "" {
					continue
				}
				line, ef := v.Content[j].Line, fmt.Sprintf("%s[%d]", field, j)
				if key == "dispatchers" {
					if !isLogin(s) {
						p.addf(line, ef, "%q is not a GitHub login (such as acme-backstage[bot])", s)
						continue
					}
					d.Dispatchers = append(d.Dispatchers, s)
					continue
				}
				r, err := catalog.ParseRef(s, catalog.KindTemplate, catalog.DefaultNamespace)
				if err != nil || !strings.EqualFold(r.Kind, catalog.KindTemplate) {
					p.addf(line, ef, "%q is not a template ref (template:[NAMESPACE/]NAME)", s)
					continue
				}
				d.Templates = append(d.Templates, r)
			}
		case "maxTaskAge":
			age, err := time.ParseDuration(v.Value)
			if v.Kind != yaml.ScalarNode || err != nil || age <= 0 || age > MaxTaskAgeLimit {
				p.addf(v.Line, field, "must be a duration from 1s to %s such as 15m, found %s", MaxTaskAgeLimit, describeNode(v))
				return
			}
			d.MaxTaskAge = age
		}
	})
}

func (p *parser) environments(n *yaml.Node, pol *Policy) {
	p.mapping(n, "environments", nil, func(name string, k, v *yaml.Node) {
		field := "environments." + name
		if name != Wildcard && !isName(name) {
			p.addf(k.Line, field, "%q is not an environment name (letters, digits, [-_.], at most 63) or \"*\"", name)
			return
		}
		env := &Environment{Name: name}
		var sawAllow bool
		p.mapping(v, field, []string{"requireGitHubEnvironment", "allow"}, func(key string, k, v *yaml.Node) {
			switch key {
			case "requireGitHubEnvironment":
				if v.Kind != yaml.ScalarNode || v.ShortTag() != "!!bool" {
					p.addf(v.Line, field+"."+key, "must be true or false, found %s", describeNode(v))
					return
				}
				env.RequireGitHubEnvironment = v.Value == "true"
			case "allow":
				sawAllow = true
				env.Allow = p.rules(v, field+".allow")
			}
		})
		if v.Kind == yaml.MappingNode && !sawAllow {
			p.addf(v.Line, field+".allow", "is required: the rules that allow a request (an empty list allows nobody)")
		}
		pol.Environments[name] = env
	})
}

var ruleKeys = []string{"name", "principals", "refs", "events", "actions", "repositories"}

func (p *parser) rules(n *yaml.Node, field string) []Rule {
	if n.Kind != yaml.SequenceNode {
		p.addf(n.Line, field, "must be a list of rules, found %s", describeNode(n))
		return nil
	}
	var out []Rule
	for i, rn := range n.Content {
		f := fmt.Sprintf("%s[%d]", field, i)
		r := Rule{Position: catalog.Position{File: p.file, Line: rn.Line}}
		var sawPrincipals bool
		ok := p.mapping(rn, f, ruleKeys, func(key string, k, v *yaml.Node) {
			kf := f + "." + key
			if key == "name" {
				if v.Kind != yaml.ScalarNode || v.ShortTag() != "!!str" || !isName(v.Value) {
					p.addf(v.Line, kf, "must be a name of letters, digits and [-_.], found %s", describeNode(v))
					return
				}
				r.Name = v.Value
				return
			}
			list := p.strings(v, kf)
			for j, s := range list {
				if s == "" {
					continue // reported by p.strings
				}
				line, ef := v.Content[j].Line, fmt.Sprintf("%s[%d]", kf, j)
				switch key {
				case "principals":
					pr, err := ParsePrincipal(s)
					if err != nil {
						p.addf(line, ef, "%v", err)
						continue
					}
					r.Principals = append(r.Principals, pr)
				case "refs":
					if s != DefaultBranchRef && !strings.HasPrefix(s, "refs/") {
						p.addf(line, ef, "%q is not a ref pattern: write refs/heads/NAME, refs/tags/PATTERN or %s", s, DefaultBranchRef)
						continue
					}
					r.Refs = append(r.Refs, s)
				case "events":
					if !isEvent(s) {
						p.addf(line, ef, "%q is not a GitHub event name (such as push, workflow_dispatch, release)", s)
						continue
					}
					r.Events = append(r.Events, s)
				case "actions":
					if !slices.ContainsFunc(KnownActions, func(a string) bool { return globMatch(s, a) }) {
						p.addf(line, ef, "%q matches no action (known: %s)", s, strings.Join(KnownActions, ", "))
						continue
					}
					r.Actions = append(r.Actions, s)
				case "repositories":
					if strings.Count(s, "/") != 1 {
						p.addf(line, ef, "%q is not an OWNER/REPO pattern", s)
						continue
					}
					r.Repositories = append(r.Repositories, s)
				}
			}
			if key == "principals" {
				sawPrincipals = true
				if len(list) == 0 && v.Kind == yaml.SequenceNode {
					p.addf(v.Line, kf, "must name at least one principal")
				}
			}
		})
		if ok && !sawPrincipals {
			p.addf(rn.Line, f+".principals", "is required: who the rule allows (owner, anyone, group:NAME, user:NAME)")
		}
		out = append(out, r)
	}
	return out
}

// strings reads a list of non-empty strings.
func (p *parser) strings(n *yaml.Node, field string) []string {
	if n.Kind != yaml.SequenceNode {
		p.addf(n.Line, field, "must be a list of strings, found %s", describeNode(n))
		return nil
	}
	out := make([]string, 0, len(n.Content))
	for i, c := range n.Content {
		if c.Kind != yaml.ScalarNode || c.ShortTag() != "!!str" || c.Value == "" {
			p.addf(c.Line, fmt.Sprintf("%s[%d]", field, i), "must be a non-empty string, found %s", describeNode(c))
			out = append(out, "")
			continue
		}
		out = append(out, c.Value)
	}
	return out
}
