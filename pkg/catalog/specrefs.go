package catalog

import (
	"strconv"
	"strings"
)

// SpecRef is a reference from a spec field to another entity, as the
// catalog's relation processors read it.
type SpecRef struct {
	Field    string // dotted path, such as "spec.owner" or "spec.dependsOn.1"
	Position Position
	Target   Ref
}

// refField is a spec field that names other entities, with the kind a
// bare name takes (none: the kind must be written).
type refField struct {
	field, defaultKind string
}

// relationFields are the fields the catalog's BuiltinKindsEntityProcessor
// (and, for Template, the scaffolder entity model's processor) turns into
// relations, by kind, with their default kinds.
var relationFields = map[string][]refField{
	KindComponent: {{"owner", "Group"}, {"subcomponentOf", "Component"}, {"providesApis", "API"}, {"consumesApis", "API"},
		{"dependsOn", ""}, {"dependencyOf", ""}, {"system", "System"}},
	KindAPI:      {{"owner", "Group"}, {"system", "System"}},
	KindResource: {{"owner", "Group"}, {"dependsOn", ""}, {"dependencyOf", ""}, {"system", "System"}},
	KindUser:     {{"memberOf", "Group"}},
	KindGroup:    {{"parent", "Group"}, {"children", "Group"}, {"members", "User"}},
	KindSystem:   {{"owner", "Group"}, {"domain", "Domain"}},
	KindDomain:   {{"owner", "Group"}, {"subdomainOf", "Domain"}},
	KindTemplate: {{"owner", "Group"}},
}

// SpecRefs returns the references of an entity that passed Validate, in
// field order, as the catalog reads them after validation: a missing
// namespace takes the entity's own. A reference the catalog cannot parse
// (such as a dependsOn entry without a kind) is a Problem: the catalog
// refuses the entity for it.
func SpecRefs(e *Entity) ([]SpecRef, []Problem) {
	var refs []SpecRef
	var problems []Problem
	ns := e.Metadata.Namespace
	if ns == "" {
		ns = DefaultNamespace
	}
	for _, rf := range relationFields[e.Kind] {
		raw, ok := e.Spec[rf.field]
		if !ok {
			continue
		}
		values := []any{raw}
		list, isList := raw.([]any)
		if isList {
			values = list
		}
		for i, v := range values {
			s, _ := v.(string)
			if s == "" {
				continue // the catalog skips an empty value
			}
			path := []string{"spec", rf.field}
			if isList {
				path = append(path, strconv.Itoa(i))
			}
			target, err := ParseRef(s, rf.defaultKind, ns)
			if err != nil {
				problems = append(problems, Problem{Position: e.Position(path...), Field: strings.Join(path, "."), Message: err.Error()})
				continue
			}
			refs = append(refs, SpecRef{Field: strings.Join(path, "."), Position: e.Position(path...), Target: target})
		}
	}
	return refs, problems
}
