package testenv

import (
	"encoding/json"
	"strings"
	"testing"
)

func TestCatalogOracle(t *testing.T) {
	const component = `apiVersion: backstage.io/v1alpha1
kind: Component
metadata:
  name: payments
spec:
  type: service
  lifecycle: production
`
	cases := []OracleCase{
		{ID: "valid", YAML: component + "  owner: team-a\n"},
		{ID: "no-owner", YAML: component},
		{ID: "list", YAML: "- apiVersion: backstage.io/v1alpha1\n- kind: Component\n"},
		{ID: "trailing-separator", YAML: component + "  owner: team-a\n---\n"},
		{ID: "duplicate-key", YAML: "kind: Component\nkind: API\n"},
	}
	got := CatalogOracle(t, cases)

	want := []struct {
		valid    bool
		errorHas string
		line     int
	}{
		{valid: true},
		{errorHas: "must have required property 'owner'"},
		{errorHas: "Expected object at root, got object"},
		{valid: true},
		{errorHas: "YAML error: Map keys must be unique", line: 2},
	}
	for i, r := range got {
		if len(r.Docs) != 1 {
			t.Errorf("%s: %d docs, want 1: %+v", r.ID, len(r.Docs), r.Docs)
			continue
		}
		d, w := r.Docs[0], want[i]
		if d.Valid != w.valid || !strings.Contains(d.Error, w.errorHas) || d.Line != w.line {
			t.Errorf("%s: valid=%v error=%q line=%d; want valid=%v, error containing %q, line %d",
				r.ID, d.Valid, d.Error, d.Line, w.valid, w.errorHas, w.line)
		}
	}

	var entity struct {
		Metadata struct{ Name string } `json:"metadata"`
	}
	if err := json.Unmarshal(got[0].Docs[0].Entity, &entity); err != nil || entity.Metadata.Name != "payments" {
		t.Errorf("valid: entity %s (err %v), want the parsed document", got[0].Docs[0].Entity, err)
	}
	if e := string(got[4].Docs[0].Entity); e != "null" {
		t.Errorf("duplicate-key: entity %s, want null", e)
	}
}
