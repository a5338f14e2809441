package catalog

import (
	"slices"
	"strconv"
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
	path               string // "spec." + field, built once
	// itemPaths are the paths of a list's first items ("spec.dependsOn.0"),
	// built once too.
	itemPaths [8]string
}

// relationField is the refField of a spec field, its paths built once.
func relationField(field, defaultKind string) refField {
	rf := refField{field: field, defaultKind: defaultKind, path: "spec." + field}
	for i := range rf.itemPaths {
		rf.itemPaths[i] = rf.path + "." + strconv.Itoa(i)
	}
	return rf
}

// itemPath is the path of item i of the list at rf (idx: i written out).
func (rf *refField) itemPath(i int, idx string) string {
	if i < len(rf.itemPaths) {
		return rf.itemPaths[i]
	}
	return rf.path + "." + idx
}

// relationFields are the fields the catalog's BuiltinKindsEntityProcessor
// (and, for Template, the scaffolder entity model's processor) turns into
// relations, by kind, with their default kinds.
var relationFields = map[string][]refField{
	KindComponent: {relationField("owner", "Group"), relationField("subcomponentOf", "Component"),
		relationField("providesApis", "API"), relationField("consumesApis", "API"),
		relationField("dependsOn", ""), relationField("dependencyOf", ""), relationField("system", "System")},
	KindAPI: {relationField("owner", "Group"), relationField("system", "System")},
	KindResource: {relationField("owner", "Group"), relationField("dependsOn", ""),
		relationField("dependencyOf", ""), relationField("system", "System")},
	KindUser:     {relationField("memberOf", "Group")},
	KindGroup:    {relationField("parent", "Group"), relationField("children", "Group"), relationField("members", "User")},
	KindSystem:   {relationField("owner", "Group"), relationField("domain", "Domain")},
	KindDomain:   {relationField("owner", "Group"), relationField("subdomainOf", "Domain")},
	KindTemplate: {relationField("owner", "Group")},
}

// SpecRefs returns the references of an entity that passed Validate, in
// field order, as the catalog reads them after validation: a missing
// namespace takes the entity's own. A reference the catalog cannot parse
// (such as a dependsOn entry without a kind) is a Problem: the catalog
// refuses the entity for it.
func SpecRefs(e *Entity) ([]SpecRef, []Problem) {
	refs, problems := AppendSpecRefs(nil, e)
	if len(refs) == 0 {
		refs = nil // no reference, no slice
	}
	return refs, problems
}

// AppendSpecRefs is SpecRefs appending the references to refs, for a
// caller that reads many entities one after another and reuses one slice
// (refs[:0]) rather than allocating one an entity.
func AppendSpecRefs(refs []SpecRef, e *Entity) ([]SpecRef, []Problem) {
	fields := relationFields[e.Kind]
	// Room made up front: at most one allocation, not a doubling per
	// reference.
	n := 0
	for fi := range fields {
		raw, ok := e.Spec[fields[fi].field]
		if !ok {
			continue
		}
		if list, isList := raw.([]any); isList {
			n += len(list)
		} else {
			n++
		}
	}
	if n == 0 {
		return refs, nil
	}
	refs = slices.Grow(refs, n)
	var problems []Problem
	ns := e.Metadata.Namespace
	if ns == "" {
		ns = DefaultNamespace
	}
	add := func(rf *refField, s string, path []string, field string) {
		if s == "" {
			return // the catalog skips an empty value
		}
		target, err := ParseRef(s, rf.defaultKind, ns)
		if err != nil {
			problems = append(problems, Problem{Position: e.Position(path...), Field: field, Message: err.Error()})
			return
		}
		refs = append(refs, SpecRef{Field: field, Position: e.Position(path...), Target: target})
	}
	for fi := range fields {
		rf := &fields[fi]
		raw, ok := e.Spec[rf.field]
		if !ok {
			continue
		}
		list, isList := raw.([]any)
		if !isList {
			s, _ := raw.(string)
			path := [2]string{"spec", rf.field}
			add(rf, s, path[:], rf.path)
			continue
		}
		for i, v := range list {
			s, _ := v.(string)
			if s == "" {
				continue
			}
			idx := strconv.Itoa(i)
			path := [3]string{"spec", rf.field, idx}
			add(rf, s, path[:], rf.itemPath(i, idx))
		}
	}
	return refs, problems
}
