// Package scaffolder models Backstage software templates
// (scaffolder.backstage.io/v1beta3): a builder whose form pages come from Go
// types through pkg/schema, so the form and the code that reads its values
// share one definition, and Lint, which checks what no other tool checks
// (every ${{ parameters.x }} is declared, every ${{ steps.id.output }} names
// an earlier step, step ids are unique, required names exist, if:
// expressions parse).
package scaffolder

import (
	"bytes"
	"encoding/json"
	"fmt"

	"github.com/invopop/jsonschema"
	yaml "go.yaml.in/yaml/v3"

	"github.com/stagecrew/stagecrew/pkg/catalog"
	"github.com/stagecrew/stagecrew/pkg/schema"
)

// Template is a Backstage software template.
type Template struct {
	Metadata catalog.Metadata `json:"metadata"`
	Spec     Spec             `json:"spec"`
}

// Spec is a template's spec.
type Spec struct {
	Owner      string  `json:"owner,omitempty"`
	Type       string  `json:"type"`
	Lifecycle  string  `json:"lifecycle,omitempty"`
	Parameters []*Page `json:"parameters,omitempty"`
	Steps      []Step  `json:"steps"`
	Output     *Output `json:"output,omitempty"`
}

// Page is one page of the template's form: a JSON Schema object.
type Page struct {
	Schema *jsonschema.Schema
}

// MarshalJSON writes the page's schema without the $schema keyword, which
// Backstage's form does not want inside a template.
func (p *Page) MarshalJSON() ([]byte, error) {
	s := *p.Schema
	s.Version = ""
	return json.Marshal(&s)
}

// PageFor builds a form page from the Go type of v with pkg/schema: the
// page's fields are v's fields, with their titles, descriptions, defaults,
// required-ness and ui: extensions.
func PageFor(title string, v any) (*Page, error) {
	s, err := schema.For(v, schema.Options{Title: title, AdditionalProperties: true})
	if err != nil {
		return nil, err
	}
	return &Page{Schema: s}, nil
}

// Step is one step of a template.
type Step struct {
	ID     string         `json:"id,omitempty"`
	Name   string         `json:"name,omitempty"`
	Action string         `json:"action"`
	Input  map[string]any `json:"input,omitempty"`
	If     any            `json:"if,omitempty"`
}

// Output is what the template shows when it is done.
type Output struct {
	Links []OutputLink `json:"links,omitempty"`
	Text  []OutputText `json:"text,omitempty"`
}

// OutputLink is a link in a template's output.
type OutputLink struct {
	Title     string `json:"title,omitempty"`
	Icon      string `json:"icon,omitempty"`
	URL       string `json:"url,omitempty"`
	EntityRef string `json:"entityRef,omitempty"`
	If        any    `json:"if,omitempty"`
}

// OutputText is a block of Markdown in a template's output.
type OutputText struct {
	Title   string `json:"title,omitempty"`
	Icon    string `json:"icon,omitempty"`
	Content string `json:"content,omitempty"`
}

// entity is the template as a catalog entity, in Backstage's field order.
type entity struct {
	APIVersion string           `json:"apiVersion"`
	Kind       string           `json:"kind"`
	Metadata   catalog.Metadata `json:"metadata"`
	Spec       Spec             `json:"spec"`
}

// YAML renders the template as a catalog-info style YAML document, keeping
// the order of fields and form properties (the form shows fields in this
// order).
func (t *Template) YAML() ([]byte, error) {
	return ToYAML(entity{APIVersion: catalog.APIVersionTemplate, Kind: catalog.KindTemplate, Metadata: t.Metadata, Spec: t.Spec})
}

// Entity returns the template as a catalog entity, for catalog.Validate.
func (t *Template) Entity() (*catalog.Entity, error) {
	b, err := t.YAML()
	if err != nil {
		return nil, err
	}
	docs, err := catalog.Decode(t.Metadata.Name+".yaml", b, catalog.DecodeOptions{})
	if err != nil {
		return nil, err
	}
	if len(docs) != 1 || docs[0].Err != nil {
		return nil, fmt.Errorf("scaffolder: template %s did not render as one entity", t.Metadata.Name)
	}
	return docs[0].Entity, nil
}

// ToYAML renders v as block-style YAML through its JSON form, keeping the
// order of keys as JSON has them (struct field order, ordered maps) where
// yaml marshalling of Go maps would sort them.
func ToYAML(v any) ([]byte, error) {
	j, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	var n yaml.Node
	if err := yaml.Unmarshal(j, &n); err != nil {
		return nil, err
	}
	blockStyle(&n)
	var out bytes.Buffer
	enc := yaml.NewEncoder(&out)
	enc.SetIndent(2)
	if err := enc.Encode(&n); err != nil {
		return nil, err
	}
	if err := enc.Close(); err != nil {
		return nil, err
	}
	return out.Bytes(), nil
}

// blockStyle clears JSON's flow and quoting styles; the encoder quotes the
// strings that need it (including ones YAML 1.1 would read as booleans).
func blockStyle(n *yaml.Node) {
	if n.Kind == yaml.ScalarNode {
		if n.Tag == "!!str" {
			n.Style = 0
			if bytes.ContainsRune([]byte(n.Value), '\n') {
				n.Style = yaml.LiteralStyle
			}
		} else {
			n.Style = 0
		}
		return
	}
	n.Style = 0
	for _, c := range n.Content {
		blockStyle(c)
	}
}
