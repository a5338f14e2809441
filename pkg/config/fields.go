package config

import (
	"encoding/json"
	"fmt"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"sync"

	"github.com/invopop/jsonschema"

	"github.com/stagecrew/stagecrew/pkg/schema"
)

// field is one input or output: its struct field and its schema.
type field struct {
	Name     string // the input's name, from the json tag
	Index    int    // the struct field's index
	Type     reflect.Type
	Required bool
	Schema   *jsonschema.Schema
	pattern  *regexp.Regexp
}

// Default returns the default as action.yml writes it ("" for none).
func (f *field) Default() string { return scalarString(f.Schema.Default) }

// Description returns the field's description.
func (f *field) Description() string { return f.Schema.Description }

func scalarString(v any) string {
	switch x := v.(type) {
	case nil:
		return ""
	case string:
		return x
	case bool:
		if x {
			return "true"
		}
		return "false"
	case json.Number:
		return x.String()
	}
	return fmt.Sprint(v)
}

func jsonName(f reflect.StructField) string {
	name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
	if name == "" {
		return f.Name
	}
	return name
}

// fieldsOf lists the fields of v's struct type with their schemas.
func fieldsOf(v any, s *jsonschema.Schema) ([]*field, error) {
	t := reflect.TypeOf(v)
	var out []*field
	for i, sf := range reflect.VisibleFields(t) {
		name := jsonName(sf)
		p, ok := s.Properties.Get(name)
		if !ok {
			return nil, fmt.Errorf("config: %s.%s (%s) has no schema", t.Name(), sf.Name, name)
		}
		f := &field{Name: name, Index: i, Type: sf.Type, Schema: p, Required: slices.Contains(s.Required, name)}
		if p.Pattern != "" {
			re, err := regexp.Compile(p.Pattern)
			if err != nil {
				return nil, fmt.Errorf("config: pattern of %s: %w", name, err)
			}
			f.pattern = re
		}
		out = append(out, f)
	}
	return out, nil
}

// Schema returns the JSON Schema of the action's inputs (the "with:" of a
// step that uses the action): draft-07, inlined, closed.
func Schema() (*jsonschema.Schema, error) {
	return schema.For(Inputs{}, schema.Options{
		Title:       "stagecrew action inputs",
		Description: "The inputs of the stagecrew GitHub Action (the with: of a step that uses stagecrew/stagecrew). Generated from pkg/config.Inputs.",
	})
}

// outputsSchema returns the schema of Outputs, whose descriptions action.yml
// uses.
func outputsSchema() (*jsonschema.Schema, error) {
	return schema.For(Outputs{}, schema.Options{Title: "stagecrew action outputs"})
}

type fieldSet struct {
	inputs, outputs []*field
}

var fields = sync.OnceValues(func() (*fieldSet, error) {
	in, err := Schema()
	if err != nil {
		return nil, err
	}
	out, err := outputsSchema()
	if err != nil {
		return nil, err
	}
	var fs fieldSet
	if fs.inputs, err = fieldsOf(Inputs{}, in); err != nil {
		return nil, err
	}
	if fs.outputs, err = fieldsOf(Outputs{}, out); err != nil {
		return nil, err
	}
	return &fs, nil
})

// InputNames lists the names of the action's inputs, in field order.
func InputNames() []string {
	fs, err := fields()
	if err != nil {
		panic(err) // a broken struct tag: every test fails on it
	}
	var names []string
	for _, f := range fs.inputs {
		names = append(names, f.Name)
	}
	return names
}

// EnvName is the environment variable GitHub, and githubactions.GetInput,
// read an input from: INPUT_ and the name in upper case, spaces made
// underscores (INPUT_ROLE-ARN). Composite actions must set it themselves.
func EnvName(input string) string {
	return "INPUT_" + strings.ToUpper(strings.ReplaceAll(input, " ", "_"))
}
