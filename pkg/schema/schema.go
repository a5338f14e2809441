// Package schema generates JSON Schemas from Go types with
// github.com/invopop/jsonschema, in the form Backstage's scaffolder forms
// (react-jsonschema-form with Ajv 8) read: draft-07 keywords, every
// definition inlined (the form cannot follow $ref), Backstage's ui:
// extensions attached to fields, and a stable key order so generated files
// diff cleanly.
//
// Fields take form extensions from struct tags:
//
//	Owner string `json:"owner" jsonschema:"title=Owner" ui:"field=OwnerPicker,autofocus" uiOptions:"{\"catalogFilter\":{\"kind\":\"Group\"}}"`
//
// ui holds comma-separated field=, widget= and the flags autofocus and
// readonly; uiHelp and uiPlaceholder hold free text; uiOptions holds the JSON
// of ui:options. Types can also implement JSONSchemaExtend and call SetUI.
package schema

import (
	"bytes"
	"encoding/json"
	"fmt"
	"reflect"
	"strings"

	"github.com/invopop/jsonschema"
)

// Draft07 is the dialect Backstage's forms and editors read.
const Draft07 = "http://json-schema.org/draft-07/schema#"

// UI holds Backstage's form extensions for one field.
type UI struct {
	Field       string         // ui:field, such as EntityPicker, OwnerPicker, RepoUrlPicker, EntityNamePicker
	Widget      string         // ui:widget, such as textarea, password, radio
	Help        string         // ui:help
	Placeholder string         // ui:placeholder
	Autofocus   bool           // ui:autofocus
	Readonly    bool           // ui:readonly
	Options     map[string]any // ui:options, such as catalogFilter, allowedKinds, allowedHosts
}

// Apply sets the ui: keywords of u on s.
func (u UI) Apply(s *jsonschema.Schema) {
	set := func(k string, v any) {
		if s.Extras == nil {
			s.Extras = map[string]any{}
		}
		s.Extras[k] = v
	}
	if u.Field != "" {
		set("ui:field", u.Field)
	}
	if u.Widget != "" {
		set("ui:widget", u.Widget)
	}
	if u.Help != "" {
		set("ui:help", u.Help)
	}
	if u.Placeholder != "" {
		set("ui:placeholder", u.Placeholder)
	}
	if u.Autofocus {
		set("ui:autofocus", true)
	}
	if u.Readonly {
		set("ui:readonly", true)
	}
	if len(u.Options) > 0 {
		set("ui:options", u.Options)
	}
}

// SetUI applies u to the property of the object schema s; it does nothing
// when s has no such property.
func SetUI(s *jsonschema.Schema, property string, u UI) {
	if s.Properties == nil {
		return
	}
	if p, ok := s.Properties.Get(property); ok {
		u.Apply(p)
	}
}

// Options adjust For.
type Options struct {
	Title       string
	Description string
	// AdditionalProperties leaves objects open. Backstage merges the values
	// of all form pages into one object, so template parameter pages must
	// stay open; closed objects suit configuration files.
	AdditionalProperties bool
}

// For generates the schema of v's type: draft-07, every definition inlined,
// ui: tags applied. A malformed ui tag is an error naming the field.
func For(v any, opts Options) (*jsonschema.Schema, error) {
	r := &jsonschema.Reflector{
		Anonymous:                 true,
		DoNotReference:            true,
		ExpandedStruct:            true,
		AllowAdditionalProperties: opts.AdditionalProperties,
	}
	t := reflect.TypeOf(v)
	s := r.ReflectFromType(t)
	s.Version = Draft07
	s.ID = ""
	if opts.Title != "" {
		s.Title = opts.Title
	}
	if opts.Description != "" {
		s.Description = opts.Description
	}
	if err := applyTags(t, s); err != nil {
		return nil, err
	}
	return s, nil
}

// applyTags walks the struct type and its schema side by side.
func applyTags(t reflect.Type, s *jsonschema.Schema) error {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch t.Kind() {
	case reflect.Slice, reflect.Array:
		if s.Items != nil {
			return applyTags(t.Elem(), s.Items)
		}
		return nil
	case reflect.Struct:
	default:
		return nil
	}
	if s.Properties == nil {
		return nil
	}
	for _, f := range reflect.VisibleFields(t) {
		if !f.IsExported() || f.Anonymous {
			continue
		}
		name := jsonName(f)
		if name == "" {
			continue
		}
		prop, ok := s.Properties.Get(name)
		if !ok {
			continue
		}
		u, err := uiFromTags(f)
		if err != nil {
			return fmt.Errorf("schema: field %s.%s: %w", t.Name(), f.Name, err)
		}
		u.Apply(prop)
		if err := applyTags(f.Type, prop); err != nil {
			return err
		}
	}
	return nil
}

func jsonName(f reflect.StructField) string {
	tag := f.Tag.Get("json")
	if tag == "-" {
		return ""
	}
	name, _, _ := strings.Cut(tag, ",")
	if name == "" {
		return f.Name
	}
	return name
}

func uiFromTags(f reflect.StructField) (UI, error) {
	var u UI
	if tag, ok := f.Tag.Lookup("ui"); ok {
		for _, part := range strings.Split(tag, ",") {
			k, v, _ := strings.Cut(strings.TrimSpace(part), "=")
			switch k {
			case "field":
				u.Field = v
			case "widget":
				u.Widget = v
			case "autofocus":
				u.Autofocus = true
			case "readonly":
				u.Readonly = true
			case "":
			default:
				return u, fmt.Errorf("unknown ui tag key %q (want field=, widget=, autofocus, readonly)", k)
			}
		}
	}
	u.Help = f.Tag.Get("uiHelp")
	u.Placeholder = f.Tag.Get("uiPlaceholder")
	if opts, ok := f.Tag.Lookup("uiOptions"); ok {
		if err := json.Unmarshal([]byte(opts), &u.Options); err != nil {
			return u, fmt.Errorf("uiOptions is not a JSON object: %w", err)
		}
	}
	return u, nil
}

// Marshal renders a schema as indented JSON ending in a newline. Properties
// keep the order of the Go fields; other keys are sorted, so the output is
// the same on every run.
func Marshal(s *jsonschema.Schema) ([]byte, error) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false) // "<env>" reads better than "\u003cenv\u003e"
	if err := enc.Encode(s); err != nil {
		return nil, err
	}
	var out bytes.Buffer
	if err := json.Indent(&out, bytes.TrimSpace(b.Bytes()), "", "  "); err != nil {
		return nil, err
	}
	out.WriteByte('\n')
	return unescapeHTML(out.Bytes()), nil
}

// unescapeHTML turns the \u003c, \u003e and \u0026 escapes that
// encoding/json puts into nested MarshalJSON output back into <, > and &,
// skipping an escaped backslash followed by the letters "u003c".
func unescapeHTML(b []byte) []byte {
	out := make([]byte, 0, len(b))
	for i := 0; i < len(b); i++ {
		if b[i] != '\\' || i+1 >= len(b) {
			out = append(out, b[i])
			continue
		}
		if b[i+1] == 'u' && i+6 <= len(b) {
			switch string(b[i+2 : i+6]) {
			case "003c":
				out, i = append(out, '<'), i+5
				continue
			case "003e":
				out, i = append(out, '>'), i+5
				continue
			case "0026":
				out, i = append(out, '&'), i+5
				continue
			}
		}
		out = append(out, b[i], b[i+1]) // any other escape, including "\\"
		i++
	}
	return out
}

// ToMap converts a schema into plain maps and slices (keys in Go's map
// order), for embedding it in a template's YAML.
func ToMap(s *jsonschema.Schema) (map[string]any, error) {
	b, err := json.Marshal(s)
	if err != nil {
		return nil, err
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, err
	}
	return m, nil
}
