package catalog

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"

	yaml "go.yaml.in/yaml/v3"
)

// DefaultNamespace is the namespace of an entity that names none.
const DefaultNamespace = "default"

// Well-known annotation keys defined by Backstage itself.
const (
	AnnotationSourceLocation = "backstage.io/source-location"
	AnnotationManagedBy      = "backstage.io/managed-by-location"
	// AnnotationManagedByOrigin is set by the catalog, like
	// AnnotationManagedBy, on every entity it reads from a location.
	AnnotationManagedByOrigin = "backstage.io/managed-by-origin-location"
	AnnotationGitHubSlug      = "github.com/project-slug"
	AnnotationGitHubUser      = "github.com/user-login"
	AnnotationGitHubTeam      = "github.com/team-slug"
)

// Entity is one Backstage catalog entity. Its typed fields hold what decoded
// cleanly; Raw holds the document exactly as Backstage reads it (JSON-shaped:
// map[string]any, []any, string, float64, bool, nil), and is what Validate
// checks, so an entity whose fields have the wrong types is still reported
// precisely.
type Entity struct {
	APIVersion string         `json:"apiVersion"`
	Kind       string         `json:"kind"`
	Metadata   Metadata       `json:"metadata"`
	Spec       map[string]any `json:"spec,omitempty"`

	// Raw is the whole document as read. Nil for an entity built in Go;
	// Validate then checks the typed fields.
	Raw map[string]any `json:"-"`

	// Source says where the entity was read from; zero for an entity built in Go.
	Source Source `json:"-"`

	pos *positions // where the document's parts stand
}

// Metadata is the metadata block every entity has.
type Metadata struct {
	UID         string            `json:"uid,omitempty"`
	Etag        string            `json:"etag,omitempty"`
	Name        string            `json:"name"`
	Namespace   string            `json:"namespace,omitempty"`
	Title       string            `json:"title,omitempty"`
	Description string            `json:"description,omitempty"`
	Labels      map[string]string `json:"labels,omitempty"`
	Annotations map[string]string `json:"annotations,omitempty"`
	Tags        []string          `json:"tags,omitempty"`
	Links       []Link            `json:"links,omitempty"`
}

// Link is an entry of metadata.links.
type Link struct {
	URL   string `json:"url"`
	Title string `json:"title,omitempty"`
	Icon  string `json:"icon,omitempty"`
	Type  string `json:"type,omitempty"`
}

// Source is where an entity was read from.
type Source struct {
	File     string // path as given to Decode
	Document int    // 0-based index of the YAML document in the file
	Line     int    // 1-based line of the document's first key
}

// Position is a place in a file.
type Position struct {
	File   string
	Line   int
	Column int
}

// String formats the position as file:line:column, leaving out what is unknown.
func (p Position) String() string {
	switch {
	case p.Line == 0:
		return p.File
	case p.Column == 0:
		return p.File + ":" + strconv.Itoa(p.Line)
	}
	return p.File + ":" + strconv.Itoa(p.Line) + ":" + strconv.Itoa(p.Column)
}

// Ref returns the entity's reference, with the default namespace filled in.
func (e *Entity) Ref() Ref {
	ns := e.Metadata.Namespace
	if ns == "" {
		ns = DefaultNamespace
	}
	return Ref{Kind: e.Kind, Namespace: ns, Name: e.Metadata.Name}
}

// Annotation returns the value of an annotation and whether it is set.
func (e *Entity) Annotation(key string) (string, bool) {
	v, ok := e.Metadata.Annotations[key]
	return v, ok
}

// Position returns where the field at path (such as "metadata",
// "annotations", "backstage.io/source-location") stands in the entity's file.
// Where the field is missing it returns the position of its nearest parent
// that exists; for an entity built in Go it returns a zero line.
func (e *Entity) Position(path ...string) Position {
	p, _ := e.placeAt(path)
	return p
}

// PositionAt returns where byte offset of the string at path stands: in a
// literal block scalar (key: |) the line of that byte, in a folded one
// (key: >) the line of its paragraph; elsewhere the string's own position.
func (e *Entity) PositionAt(offset int, path ...string) Position {
	p, n := e.placeAt(path)
	if n == nil || (n.kind != placeLiteral && n.kind != placeFolded) {
		return p
	}
	line := int(n.scalarLine) + 1
	if offset <= 0 || offset > len(n.value) {
		return Position{File: p.File, Line: line}
	}
	breaks := strings.Count(n.value[:offset], "\n")
	if n.kind == placeFolded {
		// Lines of a paragraph are folded into spaces; a line break in the
		// value stands for an empty line between two.
		breaks *= 2
	}
	return Position{File: p.File, Line: line + breaks}
}

// placeAt finds the place at path and its position (see Position).
func (e *Entity) placeAt(path []string) (Position, *place) {
	p := Position{File: e.Source.File, Line: e.Source.Line}
	if e.pos == nil {
		return p, nil
	}
	p, i := e.pos.at(p, path)
	if i < 0 {
		return p, nil
	}
	return p, &e.pos.list[i]
}

func resolveAlias(n *yaml.Node) *yaml.Node {
	for i := 0; n.Kind == yaml.AliasNode && n.Alias != nil && i < 100; i++ {
		n = n.Alias
	}
	return n
}

// SpecAs decodes the entity's spec into a typed spec struct such as
// ComponentSpec. Fields of the wrong type are an error.
func SpecAs[T any](e *Entity) (T, error) {
	var out T
	b, err := json.Marshal(e.Spec)
	if err != nil {
		return out, fmt.Errorf("spec of %s: %w", e.Ref(), err)
	}
	if err := json.Unmarshal(b, &out); err != nil {
		return out, fmt.Errorf("spec of %s: %w", e.Ref(), err)
	}
	return out, nil
}

// rawForm returns the JSON-shaped form of the entity that validation checks.
func (e *Entity) rawForm() map[string]any {
	if e.Raw != nil {
		return e.Raw
	}
	b, err := json.Marshal(e)
	if err != nil {
		return map[string]any{}
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		return map[string]any{}
	}
	return m
}

// fillTyped sets the typed fields from Raw, taking each field only where it
// has the expected type.
func (e *Entity) fillTyped() {
	r := e.Raw
	e.APIVersion, _ = r["apiVersion"].(string)
	e.Kind, _ = r["kind"].(string)
	if spec, ok := r["spec"].(map[string]any); ok {
		e.Spec = spec
	}
	md, _ := r["metadata"].(map[string]any)
	m := &e.Metadata
	m.UID, _ = md["uid"].(string)
	m.Etag, _ = md["etag"].(string)
	m.Name, _ = md["name"].(string)
	m.Namespace, _ = md["namespace"].(string)
	m.Title, _ = md["title"].(string)
	m.Description, _ = md["description"].(string)
	m.Labels = stringMap(md["labels"])
	m.Annotations = stringMap(md["annotations"])
	if tags, ok := md["tags"].([]any); ok {
		for _, t := range tags {
			if s, ok := t.(string); ok {
				m.Tags = append(m.Tags, s)
			}
		}
	}
	if links, ok := md["links"].([]any); ok {
		for _, l := range links {
			lm, ok := l.(map[string]any)
			if !ok {
				continue
			}
			var link Link
			link.URL, _ = lm["url"].(string)
			link.Title, _ = lm["title"].(string)
			link.Icon, _ = lm["icon"].(string)
			link.Type, _ = lm["type"].(string)
			m.Links = append(m.Links, link)
		}
	}
}

func stringMap(v any) map[string]string {
	m, ok := v.(map[string]any)
	if !ok || len(m) == 0 {
		return nil
	}
	out := make(map[string]string, len(m))
	for k, v := range m {
		if s, ok := v.(string); ok {
			out[k] = s
		}
	}
	return out
}

// FromRaw makes an entity from a JSON-shaped document (as Backstage's REST
// API returns entities), filling the typed fields from it. src says where it
// came from; positions are unknown for such an entity.
func FromRaw(raw map[string]any, src Source) *Entity {
	e := &Entity{Raw: raw, Source: src}
	e.fillTyped()
	return e
}
