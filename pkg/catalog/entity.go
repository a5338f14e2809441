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

	node *yaml.Node // the document's root mapping, for positions
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
	p, _ := e.nodeAt(path)
	return p
}

// PositionAt returns where byte offset of the string at path stands: in a
// literal block scalar (key: |) the line of that byte, in a folded one
// (key: >) the line of its paragraph; elsewhere the string's own position.
func (e *Entity) PositionAt(offset int, path ...string) Position {
	p, n := e.nodeAt(path)
	if n == nil || n.Kind != yaml.ScalarNode || offset <= 0 || offset > len(n.Value) {
		if n != nil && n.Kind == yaml.ScalarNode && n.Style&(yaml.LiteralStyle|yaml.FoldedStyle) != 0 {
			return Position{File: p.File, Line: n.Line + 1}
		}
		return p
	}
	switch {
	case n.Style&yaml.LiteralStyle != 0:
		return Position{File: p.File, Line: n.Line + 1 + strings.Count(n.Value[:offset], "\n")}
	case n.Style&yaml.FoldedStyle != 0:
		// Lines of a paragraph are folded into spaces; a line break in the
		// value stands for an empty line between two.
		return Position{File: p.File, Line: n.Line + 1 + 2*strings.Count(n.Value[:offset], "\n")}
	}
	return p
}

// nodeAt finds the node at path and its position (see Position).
func (e *Entity) nodeAt(path []string) (Position, *yaml.Node) {
	p := Position{File: e.Source.File, Line: e.Source.Line}
	n := e.node
	for _, key := range path {
		if n == nil {
			break
		}
		n = resolveAlias(n)
		var next *yaml.Node
		switch n.Kind {
		case yaml.MappingNode:
			for i := 0; i+1 < len(n.Content); i += 2 {
				if n.Content[i].Value == key {
					// Point at the value when it is on the key's line (the
					// usual "key: value"); at the key otherwise.
					k, v := n.Content[i], n.Content[i+1]
					p.Line, p.Column = k.Line, k.Column
					if v.Line == k.Line {
						p.Column = v.Column
					}
					next = v
				}
			}
		case yaml.SequenceNode:
			if idx, err := strconv.Atoi(key); err == nil && idx >= 0 && idx < len(n.Content) {
				next = n.Content[idx]
				p.Line, p.Column = next.Line, next.Column
			}
		}
		n = next
	}
	if n != nil {
		n = resolveAlias(n)
	}
	return p, n
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
