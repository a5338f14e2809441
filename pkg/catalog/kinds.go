package catalog

import (
	"fmt"
	"strings"
)

// API versions Backstage accepts for the built-in kinds and for templates.
const (
	APIVersionV1alpha1 = "backstage.io/v1alpha1"
	APIVersionV1beta1  = "backstage.io/v1beta1"
	APIVersionTemplate = "scaffolder.backstage.io/v1beta3"
)

// The kinds Backstage knows out of the box, and Template.
const (
	KindComponent = "Component"
	KindAPI       = "API"
	KindResource  = "Resource"
	KindSystem    = "System"
	KindDomain    = "Domain"
	KindGroup     = "Group"
	KindUser      = "User"
	KindLocation  = "Location"
	KindTemplate  = "Template"
)

// ComponentSpec is the spec of a Component.
type ComponentSpec struct {
	Type           string   `json:"type"`
	Lifecycle      string   `json:"lifecycle"`
	Owner          string   `json:"owner"`
	System         string   `json:"system,omitempty"`
	SubcomponentOf string   `json:"subcomponentOf,omitempty"`
	ProvidesAPIs   []string `json:"providesApis,omitempty"`
	ConsumesAPIs   []string `json:"consumesApis,omitempty"`
	DependsOn      []string `json:"dependsOn,omitempty"`
}

// APISpec is the spec of an API.
type APISpec struct {
	Type       string `json:"type"`
	Lifecycle  string `json:"lifecycle"`
	Owner      string `json:"owner"`
	System     string `json:"system,omitempty"`
	Definition string `json:"definition"`
}

// ResourceSpec is the spec of a Resource.
type ResourceSpec struct {
	Type      string   `json:"type"`
	Owner     string   `json:"owner"`
	System    string   `json:"system,omitempty"`
	DependsOn []string `json:"dependsOn,omitempty"`
}

// SystemSpec is the spec of a System.
type SystemSpec struct {
	Owner  string `json:"owner"`
	Domain string `json:"domain,omitempty"`
	Type   string `json:"type,omitempty"`
}

// DomainSpec is the spec of a Domain.
type DomainSpec struct {
	Owner       string `json:"owner"`
	SubdomainOf string `json:"subdomainOf,omitempty"`
	Type        string `json:"type,omitempty"`
}

// Profile is the profile of a Group or User.
type Profile struct {
	DisplayName string `json:"displayName,omitempty"`
	Email       string `json:"email,omitempty"`
	Picture     string `json:"picture,omitempty"`
}

// GroupSpec is the spec of a Group.
type GroupSpec struct {
	Type     string   `json:"type"`
	Profile  *Profile `json:"profile,omitempty"`
	Parent   string   `json:"parent,omitempty"`
	Children []string `json:"children"`
	Members  []string `json:"members,omitempty"`
}

// UserSpec is the spec of a User.
type UserSpec struct {
	Profile  *Profile `json:"profile,omitempty"`
	MemberOf []string `json:"memberOf"`
}

// LocationSpec is the spec of a Location.
type LocationSpec struct {
	Type     string   `json:"type,omitempty"`
	Target   string   `json:"target,omitempty"`
	Targets  []string `json:"targets,omitempty"`
	Presence string   `json:"presence,omitempty"`
}

// TemplateSpec is the spec of a scaffolder Template (v1beta3).
type TemplateSpec struct {
	Type       string           `json:"type"`
	Owner      string           `json:"owner,omitempty"`
	Lifecycle  string           `json:"lifecycle,omitempty"`
	Parameters []map[string]any `json:"parameters,omitempty"`
	Steps      []TemplateStep   `json:"steps"`
	Output     map[string]any   `json:"output,omitempty"`
}

// TemplateStep is one step of a Template.
type TemplateStep struct {
	ID     string         `json:"id,omitempty"`
	Name   string         `json:"name,omitempty"`
	Action string         `json:"action"`
	Input  map[string]any `json:"input,omitempty"`
	If     any            `json:"if,omitempty"`
}

// Spec field rules, mirroring the kind JSON schemas of catalog-model.
type ruleType int

const (
	rStr1     ruleType = iota // string, minLength 1
	rStrList                  // array of strings, each minLength 1
	rProfile                  // object of optional non-empty strings
	rPresence                 // "required" or "optional"
)

type specRule struct {
	field    string
	t        ruleType
	required bool
}

type kindSchema struct {
	kind        string
	apiVersions []string
	rules       []specRule
	// template: the spec is checked by checkTemplateSpec, not rules. (A
	// flag, not a func field: a call through a func value would move
	// every validator to the heap.)
	template bool
}

func (k *kindSchema) check(v *validator, spec map[string]any) {
	if k.template {
		checkTemplateSpec(v, spec)
		return
	}
	p := []string{"spec"}
	for _, r := range k.rules {
		raw, ok := spec[r.field]
		if !ok {
			if r.required {
				v.addf(at(p, r.field), "is required for kind %s", k.kind)
			}
			continue
		}
		switch r.t {
		case rStr1:
			v.str1Value(raw, true, p, r.field, r.required)
		case rStrList:
			// Arrays, not at(): paths are copied only for a problem.
			fp := [2]string{"spec", r.field}
			v.strList(fp[:], raw, true)
		case rProfile:
			m, ok := raw.(map[string]any)
			if !ok {
				v.addf(at(p, r.field), "must be a mapping, found %s", jsType(raw))
				continue
			}
			fp := [2]string{"spec", r.field}
			for _, f := range []string{"displayName", "email", "picture"} {
				v.str1(m, fp[:], f, false)
			}
		case rPresence:
			if s, ok := raw.(string); !ok || (s != "required" && s != "optional") {
				v.addf(at(p, r.field), "must be \"required\" or \"optional\", found %s", describe(raw))
			}
		}
	}
}

// strList checks an array of strings (non-empty ones when nonEmpty).
func (v *validator) strList(p []string, raw any, nonEmpty bool) {
	arr, ok := raw.([]any)
	if !ok {
		v.addf(p, "must be a list of strings, found %s", jsType(raw))
		return
	}
	for i, x := range arr {
		s, ok := x.(string)
		switch {
		case !ok:
			v.addf(at(p, fmt.Sprint(i)), "must be a string, found %s", jsType(x))
		case nonEmpty && s == "":
			v.addf(at(p, fmt.Sprint(i)), "must not be empty")
		}
	}
}

func describe(v any) string {
	if s, ok := v.(string); ok {
		return fmt.Sprintf("%q", s)
	}
	return jsType(v)
}

var builtinVersions = []string{APIVersionV1alpha1, APIVersionV1beta1}

var kindSchemas = []*kindSchema{
	{kind: KindComponent, apiVersions: builtinVersions, rules: []specRule{
		{"type", rStr1, true}, {"lifecycle", rStr1, true}, {"owner", rStr1, true},
		{"system", rStr1, false}, {"subcomponentOf", rStr1, false},
		{"providesApis", rStrList, false}, {"consumesApis", rStrList, false}, {"dependsOn", rStrList, false},
	}},
	{kind: KindAPI, apiVersions: builtinVersions, rules: []specRule{
		{"type", rStr1, true}, {"lifecycle", rStr1, true}, {"owner", rStr1, true},
		{"definition", rStr1, true}, {"system", rStr1, false},
	}},
	{kind: KindResource, apiVersions: builtinVersions, rules: []specRule{
		{"type", rStr1, true}, {"owner", rStr1, true},
		{"dependsOn", rStrList, false}, {"system", rStr1, false},
	}},
	{kind: KindSystem, apiVersions: builtinVersions, rules: []specRule{
		{"owner", rStr1, true}, {"domain", rStr1, false}, {"type", rStr1, false},
	}},
	{kind: KindDomain, apiVersions: builtinVersions, rules: []specRule{
		{"owner", rStr1, true}, {"subdomainOf", rStr1, false}, {"type", rStr1, false},
	}},
	{kind: KindGroup, apiVersions: builtinVersions, rules: []specRule{
		{"type", rStr1, true}, {"children", rStrList, true},
		{"profile", rProfile, false}, {"parent", rStr1, false}, {"members", rStrList, false},
	}},
	{kind: KindUser, apiVersions: builtinVersions, rules: []specRule{
		{"memberOf", rStrList, true}, {"profile", rProfile, false},
	}},
	{kind: KindLocation, apiVersions: builtinVersions, rules: []specRule{
		{"type", rStr1, false}, {"target", rStr1, false}, {"targets", rStrList, false},
		{"presence", rPresence, false},
	}},
	{kind: KindTemplate, apiVersions: []string{APIVersionTemplate}, template: true},
}

// lookupKind finds the schema for an exact apiVersion and kind, as Backstage's
// kind validators match them (case-sensitively).
func lookupKind(apiVersion, kind string) *kindSchema {
	for _, k := range kindSchemas {
		if k.kind != kind {
			continue
		}
		for _, av := range k.apiVersions {
			if av == apiVersion {
				return k
			}
		}
	}
	return nil
}

func unknownKindMessage(apiVersion, kind string) string {
	for _, k := range kindSchemas {
		if k.kind == kind {
			return fmt.Sprintf("kind %s is not known in apiVersion %q (use %s)", kind, apiVersion, strings.Join(k.apiVersions, " or "))
		}
		if strings.EqualFold(k.kind, kind) {
			return fmt.Sprintf("unknown kind %q; did you mean %q? (kinds are case-sensitive)", kind, k.kind)
		}
	}
	return fmt.Sprintf("unknown kind %q in apiVersion %q; the catalog only accepts kinds it has a processor for", kind, apiVersion)
}
