package scaffolder

import (
	"strings"
	"testing"

	"github.com/stagecrew/stagecrew/pkg/catalog"
)

type pickParams struct {
	Entity      string `json:"entity" jsonschema:"title=Entity,description=The service to deploy" ui:"field=EntityPicker,autofocus" uiOptions:"{\"catalogFilter\":{\"kind\":\"Component\"}}"`
	Environment string `json:"environment" jsonschema:"title=Environment,enum=staging,enum=production,default=staging"`
	Note        string `json:"note,omitempty" ui:"widget=textarea" uiHelp:"Shown in the run's summary"`
}

func TestPageForAndYAML(t *testing.T) {
	page, err := PageFor("Pick", pickParams{})
	if err != nil {
		t.Fatal(err)
	}
	tpl := &Template{
		Metadata: catalog.Metadata{Name: "deploy", Title: "Deploy"},
		Spec: Spec{Owner: "group:platform", Type: "service", Parameters: []*Page{page},
			Steps: []Step{{ID: "log", Action: "debug:log", Input: map[string]any{"message": "${{ parameters.entity }}"}}}},
	}
	y, err := tpl.YAML()
	if err != nil {
		t.Fatal(err)
	}
	text := string(y)
	// Properties keep the Go field order, which is the order the form shows.
	if i, j, k := strings.Index(text, "entity:"), strings.Index(text, "environment:"), strings.Index(text, "note:"); !(i < j && j < k) || i < 0 {
		t.Errorf("properties out of order:\n%s", text)
	}
	for _, want := range []string{"ui:field: EntityPicker", "ui:autofocus: true", "kind: Component", "ui:widget: textarea",
		"ui:help: Shown in the run's summary", "required:\n        - entity\n        - environment", "apiVersion: scaffolder.backstage.io/v1beta3"} {
		if !strings.Contains(text, want) {
			t.Errorf("template YAML lacks %q:\n%s", want, text)
		}
	}
	if strings.Contains(text, "$schema") || strings.Contains(text, "additionalProperties: false") {
		t.Errorf("a template page must not carry $schema or close additionalProperties:\n%s", text)
	}
	e, err := tpl.Entity()
	if err != nil {
		t.Fatal(err)
	}
	if err := catalog.Validate(e); err != nil {
		t.Errorf("generated template is invalid: %v", err)
	}
	if problems := LintEntity(e); len(problems) != 0 {
		t.Errorf("generated template has lint problems: %v", problems)
	}
}

func TestPageForBadTag(t *testing.T) {
	type bad struct {
		X string `json:"x" ui:"feild=EntityPicker"`
	}
	if _, err := PageFor("t", bad{}); err == nil || !strings.Contains(err.Error(), "bad.X") {
		t.Fatalf("err = %v, want one naming the field", err)
	}
}
