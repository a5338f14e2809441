package catalog

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"
)

// ErrPlaceholder is matched (with errors.Is) by the error of a placeholder
// or Location target the catalog could not resolve.
var ErrPlaceholder = errors.New("unresolved reference")

// ReadFunc reads the file a relative reference of an entity names: ref is
// the placeholder's value or Location target as written ("./api.yaml",
// "../docs/x.md", "/openapi.yaml" from the repository root); the caller
// resolves it against the entity's file. A missing file is an error
// matching fs.ErrNotExist.
type ReadFunc func(ref string) ([]byte, error)

// Resolution is what Resolve did to an entity.
type Resolution struct {
	// Problems are the references the catalog would fail on: a placeholder
	// whose value is not a string, a file that does not exist or does not
	// parse, a Location target that is missing.
	Problems []Problem
	// Unfetched are the absolute URLs of placeholders, which Resolve does
	// not fetch: a $text one counts as a string, a $json or $yaml one as a
	// mapping.
	Unfetched []string
}

// Resolve does to an entity read from a file what the catalog does before
// validating it, where that needs the files beside it: $text, $json and
// $yaml placeholders are replaced by the content of the file they name,
// as the catalog's PlaceholderProcessor does (an object with exactly one
// key, that key a known $placeholder, anywhere in the entity), and a
// Location's relative targets are read, as the catalog reads them (a
// missing one is an error unless presence is optional). Absolute URLs are
// not fetched. read may be nil: then relative references are not read
// either and count as absolute ones.
func Resolve(e *Entity, read ReadFunc) Resolution {
	r := &resolver{e: e, read: read}
	if e.Raw != nil && hasPlaceholderKey(e.Raw) {
		if v, changed := r.value(e.Raw, nil); changed {
			if m, ok := v.(map[string]any); ok {
				e.Raw = m
				e.Metadata = Metadata{}
				e.Spec = nil
				e.fillTyped()
			}
		}
	}
	r.locationTargets()
	return r.res
}

type resolver struct {
	e    *Entity
	read ReadFunc
	res  Resolution
}

func (r *resolver) problem(path []string, format string, args ...any) {
	r.res.Problems = append(r.res.Problems, Problem{
		Position: r.e.Position(path...),
		Field:    strings.Join(path, "."),
		Message:  fmt.Sprintf(format, args...),
	})
}

// hasPlaceholderKey is the fast path: is there any key starting with '$'
// anywhere in v?
func hasPlaceholderKey(v any) bool {
	switch v := v.(type) {
	case map[string]any:
		for k, sub := range v {
			if strings.HasPrefix(k, "$") || hasPlaceholderKey(sub) {
				return true
			}
		}
	case []any:
		for _, sub := range v {
			if hasPlaceholderKey(sub) {
				return true
			}
		}
	}
	return false
}

var placeholderKinds = map[string]bool{"$text": true, "$json": true, "$yaml": true}

// value is the PlaceholderProcessor's process(): it returns the value with
// its placeholders replaced, and whether anything changed.
func (r *resolver) value(v any, path []string) (any, bool) {
	switch v := v.(type) {
	case []any:
		var out []any
		for i, item := range v {
			nv, changed := r.value(item, at(path, strconv.Itoa(i)))
			if changed && out == nil {
				out = slices.Clone(v)
			}
			if out != nil {
				out[i] = nv
			}
		}
		if out == nil {
			return v, false
		}
		return out, true
	case map[string]any:
		dollar := false
		for k := range v {
			if strings.HasPrefix(k, "$") {
				dollar = true
				break
			}
		}
		if !dollar {
			var out map[string]any
			for _, k := range slices.Sorted(maps.Keys(v)) {
				nv, changed := r.value(v[k], at(path, k))
				if changed && out == nil {
					out = maps.Clone(v)
				}
				if out != nil {
					out[k] = nv
				}
			}
			if out == nil {
				return v, false
			}
			return out, true
		}
		if len(v) != 1 {
			return v, false // more than one key, some with $: left alone
		}
		for k, arg := range v {
			if !placeholderKinds[k] {
				return v, false // $ref of a JSON schema and the like
			}
			return r.placeholder(k, arg, path), true
		}
	}
	return v, false
}

// placeholder resolves one placeholder; on a problem it reports it and
// returns a value of the kind the placeholder gives, so that the field is
// not reported twice.
func (r *resolver) placeholder(kind string, arg any, path []string) any {
	stand := func() any {
		if kind == "$text" {
			s, _ := arg.(string)
			if s == "" {
				s = "(unresolved)"
			}
			return s
		}
		return map[string]any{}
	}
	ref, ok := arg.(string)
	if !ok {
		r.problem(path, "placeholder %s expects a string (an absolute URL or a relative path), found %s", kind, jsType(arg))
		return stand()
	}
	if isValidURL(ref) {
		scheme := strings.ToLower(ref[:strings.IndexByte(ref, ':')])
		if scheme != "http" && scheme != "https" {
			r.problem(path, "placeholder %s: %q is not a URL the catalog can read", kind, ref)
			return stand()
		}
		r.res.Unfetched = append(r.res.Unfetched, ref)
		return stand()
	}
	if r.read == nil {
		r.res.Unfetched = append(r.res.Unfetched, ref)
		return stand()
	}
	data, err := r.read(ref)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			r.problem(path, "placeholder %s: %s does not exist (the catalog cannot read it)", kind, ref)
		} else {
			r.problem(path, "placeholder %s: cannot read %s: %v", kind, ref, err)
		}
		return stand()
	}
	switch kind {
	case "$text":
		return strings.ToValidUTF8(string(data), "\uFFFD")
	case "$json":
		var v any
		if err := json.Unmarshal(data, &v); err != nil {
			r.problem(path, "placeholder $json: %s is not JSON: %v", ref, err)
			return stand()
		}
		return v
	}
	vals, err := yamlValues(ref, data)
	if err != nil {
		r.problem(path, "placeholder $yaml: %s: %v", ref, err)
		return stand()
	}
	if len(vals) != 1 {
		r.problem(path, "placeholder $yaml: %s holds %d YAML documents; the catalog wants exactly one", ref, len(vals))
		return stand()
	}
	return vals[0]
}

// yamlValues reads every document of a YAML file into JSON-shaped values,
// as the npm yaml package's parseAllDocuments and toJSON do.
func yamlValues(file string, text []byte) ([]any, error) {
	data := string(text)
	if !utf8.ValidString(data) {
		return nil, errors.New("not valid UTF-8")
	}
	data, versions := rewriteVersionDirectives(data)
	data, swapped := hideLegacyBreaks(data)
	d := &decoder{file: file, data: data, maxAlias: DefaultMaxAliasNodes, swapped: swapped, indent: -1}
	var vals []any
	var docErr error
	err := parseEach(data, fastOptions{file: file, swapped: swapped}, func(pd parsedDoc) bool {
		var v any
		var err error
		if pd.fast != nil {
			d.prevLine = pd.fast.line
			v, err = pd.fast.result()
		} else {
			d.aliased = 0
			d.v11 = versionOf(pd.root, d.prevLine, versions) == "1.1"
			d.prevLine = pd.root.Line
			v, err = d.value(pd.root, 0)
		}
		if err != nil {
			docErr = err
			return false
		}
		vals = append(vals, v)
		return true
	})
	if docErr != nil {
		return nil, docErr
	}
	if err != nil {
		return nil, d.syntaxError(err)
	}
	return vals, nil
}

// locationTargets reads a Location's relative targets, as the catalog does
// when it processes the Location: a missing one is an error unless the
// Location's presence is optional.
func (r *resolver) locationTargets() {
	e := r.e
	if e.Kind != KindLocation || r.read == nil || e.Spec == nil {
		return
	}
	if t, ok := e.Spec["type"].(string); ok && t != "url" && t != "file" {
		// The catalog reads a Location of another type only when its
		// configuration (catalog.allowedLocationTypes) names it.
		r.problem([]string{"spec", "type"}, "the catalog reads Locations of type url (and file, beside its own file locations); %q needs catalog.allowedLocationTypes", t)
		return
	}
	if p, _ := e.Spec["presence"].(string); p == "optional" {
		return
	}
	check := func(path []string, target string) {
		if target == "" || isValidURL(target) || strings.ContainsAny(target, "*?[") {
			return // absolute (not fetched) or a glob
		}
		if _, err := r.read(target); err != nil {
			if errors.Is(err, fs.ErrNotExist) {
				r.problem(path, "target %s does not exist (the catalog cannot read it; set presence: optional if that is expected)", target)
			} else {
				r.problem(path, "cannot read target %s: %v", target, err)
			}
		}
	}
	if t, ok := e.Spec["target"].(string); ok {
		check([]string{"spec", "target"}, t)
	}
	if ts, ok := e.Spec["targets"].([]any); ok {
		for i, t := range ts {
			if s, ok := t.(string); ok {
				check([]string{"spec", "targets", strconv.Itoa(i)}, s)
			}
		}
	}
}
