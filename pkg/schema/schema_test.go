package schema

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
)

type form struct {
	Name  string   `json:"name" jsonschema:"title=Name,description=Use <name> & more" ui:"field=EntityNamePicker,autofocus" uiHelp:"Lower case"`
	Owner string   `json:"owner" ui:"field=OwnerPicker" uiOptions:"{\"catalogFilter\":{\"kind\":\"Group\"}}"`
	Tags  []string `json:"tags,omitempty" ui:"widget=select"`
	Inner struct {
		Port int `json:"port" ui:"widget=updown"`
	} `json:"inner"`
}

func TestForAppliesUIAndInlines(t *testing.T) {
	s, err := For(form{}, Options{Title: "Form"})
	if err != nil {
		t.Fatal(err)
	}
	b, err := Marshal(s)
	if err != nil {
		t.Fatal(err)
	}
	text := string(b)
	for _, want := range []string{`"$schema": "http://json-schema.org/draft-07/schema#"`, `"ui:field": "EntityNamePicker"`, `"ui:autofocus": true`,
		`"ui:help": "Lower case"`, `"ui:options": {`, `"kind": "Group"`, `"ui:widget": "updown"`, `"Use <name> & more"`, `"additionalProperties": false`} {
		if !strings.Contains(text, want) {
			t.Errorf("schema lacks %s:\n%s", want, text)
		}
	}
	if strings.Contains(text, "$ref") || strings.Contains(text, "$defs") {
		t.Errorf("schema must be inlined:\n%s", text)
	}
	if i, j := strings.Index(text, `"name"`), strings.Index(text, `"owner"`); i > j {
		t.Errorf("properties must keep field order")
	}
	var v any
	if err := json.Unmarshal(b, &v); err != nil {
		t.Fatalf("not JSON: %v", err)
	}
	again, _ := Marshal(s)
	if string(again) != text {
		t.Errorf("Marshal is not stable")
	}
}

func TestUnescapeHTML(t *testing.T) {
	in := `{"a":"\u003cx\u003e \u0026 \\u003c"}`
	want := `{"a":"<x> & \\u003c"}`
	if got := string(unescapeHTML([]byte(in))); got != want {
		t.Errorf("got %s, want %s", got, want)
	}
}

func TestBadUITag(t *testing.T) {
	type bad struct {
		X string `json:"x" uiOptions:"{not json"`
	}
	if _, err := For(bad{}, Options{}); err == nil || !strings.Contains(err.Error(), "bad.X") {
		t.Fatalf("err = %v", err)
	}
}

func ExampleFor() {
	type Deploy struct {
		Entity string `json:"entity" jsonschema:"title=Entity" ui:"field=EntityPicker" uiOptions:"{\"catalogFilter\":{\"kind\":\"Component\"}}"`
	}
	s, _ := For(Deploy{}, Options{AdditionalProperties: true})
	b, _ := Marshal(s)
	fmt.Print(string(b))
	// Output:
	// {
	//   "$schema": "http://json-schema.org/draft-07/schema#",
	//   "properties": {
	//     "entity": {
	//       "type": "string",
	//       "title": "Entity",
	//       "ui:field": "EntityPicker",
	//       "ui:options": {
	//         "catalogFilter": {
	//           "kind": "Component"
	//         }
	//       }
	//     }
	//   },
	//   "type": "object",
	//   "required": [
	//     "entity"
	//   ]
	// }
}
