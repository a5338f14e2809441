package catalog

import (
	"reflect"
	"strconv"
	"strings"
	"testing"

	"github.com/stagecrew/stagecrew/internal/corpus"
)

// simpleSpecRefs is SpecRefs as first written (a slice per value and per
// path, strings.Join for each field): the reference the allocation-light
// version must agree with.
func simpleSpecRefs(e *Entity) ([]SpecRef, []Problem) {
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
				continue
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

// specRefsCorpus is every entity of the conformance corpus, a slice of the
// benchmark corpus, and entities with every reference field of every kind
// as a list, a scalar, a wrong type, empty, unparsable and in a namespace.
func specRefsCorpus(t *testing.T) []*Entity {
	t.Helper()
	texts := []string{string(corpus.Large(200))}
	for _, c := range corpus.Tricky() {
		texts = append(texts, c.YAML)
	}
	for _, k := range []string{KindComponent, KindAPI, KindResource, KindUser, KindGroup, KindSystem, KindDomain, KindTemplate, KindLocation} {
		var spec strings.Builder
		for _, rf := range relationFields[k] {
			spec.WriteString("  " + rf.field + ": [a, 'api:x/B', '', 3, 'dependsOn', ':x', 'k:', 'ns/', 'C:NS/Name']\n")
		}
		texts = append(texts,
			"apiVersion: backstage.io/v1alpha1\nkind: "+k+"\nmetadata:\n  name: n\n  namespace: Team-1\nspec:\n"+spec.String(),
			"apiVersion: backstage.io/v1alpha1\nkind: "+k+"\nmetadata: {name: n}\nspec:\n"+strings.ReplaceAll(spec.String(), "[a, 'api:x/B', '', 3, 'dependsOn', ':x', 'k:', 'ns/', 'C:NS/Name']", "group:x/y"),
			"apiVersion: backstage.io/v1alpha1\nkind: "+k+"\nmetadata: {name: n}\nspec:\n"+strings.ReplaceAll(spec.String(), "[a, 'api:x/B', '', 3, 'dependsOn', ':x', 'k:', 'ns/', 'C:NS/Name']", "{a: 1}"),
			"apiVersion: backstage.io/v1alpha1\nkind: "+k+"\nmetadata: {name: n}\nspec:\n"+strings.ReplaceAll(spec.String(), "[a, 'api:x/B', '', 3, 'dependsOn', ':x', 'k:', 'ns/', 'C:NS/Name']", "''"),
			"apiVersion: backstage.io/v1alpha1\nkind: "+k+"\nmetadata: {name: n}\nspec:\n"+strings.ReplaceAll(spec.String(), "[a, 'api:x/B', '', 3, 'dependsOn', ':x', 'k:', 'ns/', 'C:NS/Name']", "[]"),
		)
	}
	var entities []*Entity
	for i, text := range texts {
		docs, err := Decode("case-"+strconv.Itoa(i)+".yaml", []byte(text), DecodeOptions{})
		if err != nil {
			continue // a file-level YAML error: nothing to read references from
		}
		for _, d := range docs {
			if d.Err == nil {
				entities = append(entities, d.Entity)
			}
		}
	}
	if len(entities) < 500 {
		t.Fatalf("only %d entities decoded", len(entities))
	}
	return entities
}

func TestSpecRefsMatchSimple(t *testing.T) {
	refs, problems := 0, 0
	for _, e := range specRefsCorpus(t) {
		gotRefs, gotProblems := SpecRefs(e)
		wantRefs, wantProblems := simpleSpecRefs(e)
		if !reflect.DeepEqual(gotRefs, wantRefs) || !reflect.DeepEqual(gotProblems, wantProblems) {
			t.Errorf("%s: SpecRefs = %+v, %+v; want %+v, %+v", e.Source.File, gotRefs, gotProblems, wantRefs, wantProblems)
		}
		// Appended to a reused slice: the same references after what
		// was there.
		prefix := []SpecRef{{Field: "before"}}
		appended, appendedProblems := AppendSpecRefs(prefix, e)
		if !reflect.DeepEqual(appended[:1], prefix) || len(appended)-1 != len(wantRefs) ||
			(len(wantRefs) > 0 && !reflect.DeepEqual(appended[1:], wantRefs)) || !reflect.DeepEqual(appendedProblems, wantProblems) {
			t.Errorf("%s: AppendSpecRefs = %+v, %+v; want %+v after the prefix", e.Source.File, appended, appendedProblems, wantRefs)
		}
		refs += len(gotRefs)
		problems += len(gotProblems)
	}
	// The corpus must reach both outcomes, in numbers.
	if refs < 500 || problems < 50 {
		t.Errorf("corpus gave %d references and %d problems: too few to compare", refs, problems)
	}
}
