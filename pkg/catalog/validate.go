package catalog

import (
	"errors"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
)

// ErrInvalidEntity is matched (with errors.Is) by every *ValidationError.
var ErrInvalidEntity = errors.New("invalid entity")

// Problem is one reason an entity is invalid.
type Problem struct {
	Position
	Field   string // dotted path such as "metadata.name" or "spec.owner"
	Message string
}

// String formats the problem as file:line:column: field: message.
func (p Problem) String() string {
	if p.Field == "" {
		return fmt.Sprintf("%s: %s", p.Position, p.Message)
	}
	return fmt.Sprintf("%s: %s: %s", p.Position, p.Field, p.Message)
}

// ValidationError lists every problem found in one entity.
type ValidationError struct {
	Source   Source
	Ref      string // the entity's ref where it could be formed
	Problems []Problem
}

// Error lists every problem, one a line.
func (e *ValidationError) Error() string {
	var b strings.Builder
	for i, p := range e.Problems {
		if i > 0 {
			b.WriteString("\n")
		}
		b.WriteString(p.String())
	}
	return b.String()
}

// Is makes errors.Is(err, ErrInvalidEntity) true.
func (e *ValidationError) Is(target error) bool { return target == ErrInvalidEntity }

// Validate checks an entity the way the Backstage catalog does: the entity
// envelope schema, the default entity policies (no foreign root fields, field
// formats) and the schema of its kind, including Template
// (scaffolder.backstage.io/v1beta3). It returns nil or a *ValidationError
// listing every problem, each with the file, line and field. An entity is
// valid here exactly when @backstage/catalog-model 1.10 accepts it.
func Validate(e *Entity) error {
	// A value, not a pointer: nothing keeps it past this call, so it
	// stays off the heap (Validate runs once per entity).
	v := validator{e: e}
	v.entity(e.rawForm())
	if len(v.problems) == 0 {
		return nil
	}
	ve := &ValidationError{Source: e.Source, Problems: v.problems}
	if e.Kind != "" && e.Metadata.Name != "" {
		ve.Ref = e.Ref().String()
	}
	return ve
}

type validator struct {
	e        *Entity
	problems []Problem
}

// addf records a problem at the dotted field path.
func (v *validator) addf(path []string, format string, args ...any) {
	v.problems = append(v.problems, Problem{
		Position: v.e.Position(path...),
		Field:    strings.Join(path, "."),
		Message:  fmt.Sprintf(format, args...),
	})
}

func at(path []string, more ...string) []string {
	out := make([]string, 0, len(path)+len(more))
	return append(append(out, path...), more...)
}

func countTrue(bs ...bool) int {
	n := 0
	for _, b := range bs {
		if b {
			n++
		}
	}
	return n
}

// isRootField reports whether k is one of the four root fields of an entity.
func isRootField(k string) bool {
	switch k {
	case "apiVersion", "kind", "metadata", "spec":
		return true
	}
	return false
}

func (v *validator) entity(r map[string]any) {
	rawAPI, hasAPI := r["apiVersion"]
	rawKind, hasKind := r["kind"]
	md, hasMD := r["metadata"]
	spec, hasSpec := r["spec"]
	apiVersion, okAPI := v.str1Value(rawAPI, hasAPI, nil, "apiVersion", true)
	kind, okKind := v.str1Value(rawKind, hasKind, nil, "kind", true)
	// Foreign root fields exist exactly when r holds more keys than the
	// root fields it has: only then are its keys walked.
	if n := countTrue(hasAPI, hasKind, hasMD, hasSpec); len(r) > n {
		for _, k := range slices.Sorted(maps.Keys(r)) {
			if !isRootField(k) {
				v.addf([]string{k}, "unknown root field %q; an entity has only apiVersion, kind, metadata and spec", k)
			}
		}
	}
	if okAPI && !isValidAPIVersion(apiVersion) {
		v.addf([]string{"apiVersion"}, "%q is not a valid apiVersion (expected [group/]version, such as backstage.io/v1alpha1)", apiVersion)
	}
	if okKind && !isValidKind(kind) {
		v.addf([]string{"kind"}, "%q is not a valid kind (expected a letter followed by letters and digits, at most 63 characters)", kind)
	}
	if !hasMD {
		v.addf(nil, "metadata is required")
	} else if m, ok := md.(map[string]any); !ok {
		v.addf([]string{"metadata"}, "must be a mapping, found %s", jsType(md))
	} else {
		v.metadata(m)
	}
	specMap, specIsMap := spec.(map[string]any)
	if hasSpec && !specIsMap {
		v.addf([]string{"spec"}, "must be a mapping, found %s", jsType(spec))
	}
	if !okAPI || !okKind {
		return
	}
	ks := lookupKind(apiVersion, kind)
	if ks == nil {
		v.addf([]string{"kind"}, "%s", unknownKindMessage(apiVersion, kind))
		return
	}
	if !hasSpec {
		v.addf(nil, "spec is required for kind %s", kind)
		return
	}
	if specIsMap {
		ks.check(v, specMap)
	}
}

// metaField numbers the fields of metadata that Validate checks.
type metaField int

const (
	mName metaField = iota
	mNamespace
	mUID
	mEtag
	mTitle
	mDescription
	mLabels
	mAnnotations
	mTags
	mLinks
	metaFields
)

// metaValues are the values of the checked fields of metadata and which
// of them are there.
type metaValues struct {
	v   [metaFields]any
	has [metaFields]bool
}

func (mv *metaValues) get(f metaField) (any, bool) { return mv.v[f], mv.has[f] }

// readMetadata reads the checked fields of m into mv: a small map (the usual
// metadata of six to eight keys) in one pass over it, which costs less than
// a lookup per field (most of them missing); a large one by lookups.
func readMetadata(m map[string]any, mv *metaValues) {
	set := func(k string, val any) {
		f := metaField(-1)
		switch k {
		case "name":
			f = mName
		case "namespace":
			f = mNamespace
		case "uid":
			f = mUID
		case "etag":
			f = mEtag
		case "title":
			f = mTitle
		case "description":
			f = mDescription
		case "labels":
			f = mLabels
		case "annotations":
			f = mAnnotations
		case "tags":
			f = mTags
		case "links":
			f = mLinks
		default:
			return
		}
		mv.v[f], mv.has[f] = val, true
	}
	if len(m) <= 2*int(metaFields) {
		for k, val := range m {
			set(k, val)
		}
		return
	}
	for _, k := range [...]string{"name", "namespace", "uid", "etag", "title", "description", "labels", "annotations", "tags", "links"} {
		if val, ok := m[k]; ok {
			set(k, val)
		}
	}
}

func (v *validator) metadata(m map[string]any) {
	p := []string{"metadata"}
	var mv metaValues
	readMetadata(m, &mv)
	str1 := func(f metaField, field string, required bool) (string, bool) {
		raw, ok := mv.get(f)
		return v.str1Value(raw, ok, p, field, required)
	}
	name, ok := str1(mName, "name", true)
	if ok && !isValidObjectName(name) {
		v.addf(at(p, "name"), "%q is not a valid name: use letters, digits and [-_.], starting and ending with a letter or digit, at most 63 characters", name)
	}
	if ns, ok := str1(mNamespace, "namespace", false); ok && !isValidDNSLabel(ns) {
		v.addf(at(p, "namespace"), "%q is not a valid namespace: use lower-case letters, digits and -, at most 63 characters", ns)
	}
	str1(mUID, "uid", false)
	str1(mEtag, "etag", false)
	str1(mTitle, "title", false)
	if d, ok := mv.get(mDescription); ok {
		if _, isStr := d.(string); !isStr {
			v.addf(at(p, "description"), "must be a string, found %s", jsType(d))
		}
	}
	if raw, ok := mv.get(mLabels); ok {
		v.keyValues(raw, p, "labels", true)
	}
	if raw, ok := mv.get(mAnnotations); ok {
		v.keyValues(raw, p, "annotations", false)
	}
	if tags, ok := mv.get(mTags); ok {
		if arr, ok := tags.([]any); !ok {
			v.addf(at(p, "tags"), "must be a list, found %s", jsType(tags))
		} else {
			for i, t := range arr {
				s, isStr := t.(string)
				switch {
				case !isStr:
					v.addf(at(p, "tags", strconv.Itoa(i)), "must be a string, found %s", jsType(t))
				case !isValidTag(s):
					v.addf(at(p, "tags", strconv.Itoa(i)), "%q is not a valid tag: use lower-case letters, digits and [:+#], separated by -, at most 63 characters", s)
				}
			}
		}
	}
	if links, ok := mv.get(mLinks); ok {
		if arr, ok := links.([]any); !ok {
			v.addf(at(p, "links"), "must be a list, found %s", jsType(links))
		} else {
			for i, l := range arr {
				// An array, not at(): the path is only copied when a
				// problem is recorded.
				lpa := [3]string{"metadata", "links", strconv.Itoa(i)}
				lp := lpa[:]
				lm, ok := l.(map[string]any)
				if !ok {
					v.addf(lp, "must be a mapping with a url, found %s", jsType(l))
					continue
				}
				if u, ok := v.str1(lm, lp, "url", true); ok && !isValidURL(u) {
					v.addf(at(lp, "url"), "%q is not a valid URL", u)
				}
				for _, f := range []string{"title", "icon"} {
					if s, ok := v.str1(lm, lp, f, false); ok && !isNonEmptyString(s) {
						v.addf(at(lp, f), "must not be blank")
					}
				}
				v.str1(lm, lp, "type", false)
			}
		}
	}
}

// keyValues checks metadata.labels or metadata.annotations, when there.
func (v *validator) keyValues(raw any, p []string, field string, labels bool) {
	if !labels && jsFalsy(raw) {
		// The catalog's processing output collector reads a falsy
		// annotations value ("annotations:" left empty) as {}.
		return
	}
	kv, ok := raw.(map[string]any)
	if !ok {
		v.addf(at(p, field), "must be a mapping of strings, found %s", jsType(raw))
		return
	}
	valid := func(k string, val any) bool {
		s, isStr := val.(string)
		return isValidPrefixedName(k) && isStr && (!labels || s == "" || isValidObjectName(s))
	}
	for _, k := range keysToCheck(kv, valid) {
		val := kv[k]
		if !labels && (k == AnnotationManagedBy || k == AnnotationManagedByOrigin) {
			continue // the catalog sets these two itself, over what the file says
		}
		kp := at(p, field, k)
		if !isValidPrefixedName(k) {
			v.addf(kp, "%q is not a valid key: expected [prefix/]name, the prefix a DNS subdomain and the name letters, digits and [-_.], at most 63 characters", k)
		}
		s, isStr := val.(string)
		switch {
		case !isStr:
			v.addf(kp, "value must be a string, found %s (quote it)", jsType(val))
		case labels && s != "" && !isValidObjectName(s):
			v.addf(kp, "%q is not a valid label value: empty, or letters, digits and [-_.] starting and ending with a letter or digit, at most 63 characters", s)
		}
	}
}

// str1 checks that field, when present (or when required), is a non-empty
// string, and returns it.
func (v *validator) str1(m map[string]any, p []string, field string, required bool) (string, bool) {
	raw, ok := m[field]
	return v.str1Value(raw, ok, p, field, required)
}

// str1Value is str1 on the field's value, raw, read already (ok: it is
// there).
func (v *validator) str1Value(raw any, ok bool, p []string, field string, required bool) (string, bool) {
	if !ok {
		if required {
			v.addf(at(p, field), "is required")
		}
		return "", false
	}
	s, isStr := raw.(string)
	if !isStr {
		v.addf(at(p, field), "must be a string, found %s", jsType(raw))
		return "", false
	}
	if s == "" {
		v.addf(at(p, field), "must not be empty")
		return "", false
	}
	return s, true
}

// The format checks below are Backstage's regular expressions written as
// byte loops; validate_test.go checks them against the expressions.

func isAlnum(c byte) bool { return isASCIIAlpha(c) || isASCIIDigit(c) }

func isLowerAlnum(c byte) bool { return (c >= 'a' && c <= 'z') || isASCIIDigit(c) }

// keysToCheck returns, in sorted order, the keys of m to report on: none
// when every entry passes ok (the common case, which then costs no sorting),
// all of them otherwise, so problems are listed the same way on every run.
func keysToCheck(m map[string]any, ok func(string, any) bool) []string {
	for k, v := range m {
		if !ok(k, v) {
			return slices.Sorted(maps.Keys(m))
		}
	}
	return nil
}

// jsLen is JavaScript's String.length: UTF-16 code units.
func jsLen(s string) int {
	n := 0
	for _, r := range s {
		if r >= 0x10000 {
			n += 2
		} else {
			n++
		}
	}
	return n
}

// isValidObjectName: ^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$, 1-63 long.
func isValidObjectName(s string) bool {
	if len(s) < 1 || len(s) > 63 || !isAlnum(s[0]) || !isAlnum(s[len(s)-1]) {
		return false
	}
	for i := 1; i < len(s)-1; i++ {
		if c := s[i]; !isAlnum(c) && c != '-' && c != '_' && c != '.' {
			return false
		}
	}
	return true
}

// isValidDNSLabel: ^[a-z0-9]+(?:-+[a-z0-9]+)*$, 1-63 long.
func isValidDNSLabel(s string) bool {
	if len(s) < 1 || len(s) > 63 || !isLowerAlnum(s[0]) || !isLowerAlnum(s[len(s)-1]) {
		return false
	}
	for i := 1; i < len(s)-1; i++ {
		if c := s[i]; !isLowerAlnum(c) && c != '-' {
			return false
		}
	}
	return true
}

// isValidDNSSubdomain: 1-253 long (JavaScript length), dot-separated DNS
// labels.
func isValidDNSSubdomain(s string) bool {
	if n := jsLen(s); n < 1 || n > 253 {
		return false
	}
	for {
		dot := strings.IndexByte(s, '.')
		if dot < 0 {
			return isValidDNSLabel(s)
		}
		if !isValidDNSLabel(s[:dot]) {
			return false
		}
		s = s[dot+1:]
	}
}

// isValidTag: ^[a-z0-9:+#]+(-[a-z0-9:+#]+)*$, 1-63 long.
func isValidTag(s string) bool {
	if len(s) < 1 || len(s) > 63 || s[0] == '-' || s[len(s)-1] == '-' {
		return false
	}
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case isLowerAlnum(c), c == ':', c == '+', c == '#':
		case c == '-' && s[i-1] != '-':
		default:
			return false
		}
	}
	return true
}

// isValidKind: ^[a-zA-Z][a-z0-9A-Z]*$, 1-63 long.
func isValidKind(s string) bool {
	if len(s) < 1 || len(s) > 63 || !isASCIIAlpha(s[0]) {
		return false
	}
	return allAlnum(s)
}

func allAlnum(s string) bool {
	for i := 0; i < len(s); i++ {
		if !isAlnum(s[i]) {
			return false
		}
	}
	return true
}

// isValidAPIVersion: [group/]version, the group a DNS subdomain, the
// version 1-63 letters and digits.
func isValidAPIVersion(s string) bool {
	prefix, suffix, hasPrefix := splitPrefix(s)
	switch {
	case strings.IndexByte(suffix, '/') >= 0:
		return false // more than one '/'
	case hasPrefix && !isValidDNSSubdomain(prefix):
		return false
	}
	return len(suffix) >= 1 && len(suffix) <= 63 && allAlnum(suffix)
}

// isValidPrefixedName checks a label or annotation key: [prefix/]name.
func isValidPrefixedName(s string) bool {
	prefix, name, hasPrefix := splitPrefix(s)
	switch {
	case strings.IndexByte(name, '/') >= 0:
		return false // more than one '/'
	case hasPrefix:
		return isValidDNSSubdomain(prefix) && isValidObjectName(name)
	}
	return isValidObjectName(name)
}

// splitPrefix cuts s at its first '/': prefix/rest. Without one, rest is s.
func splitPrefix(s string) (prefix, rest string, ok bool) {
	if i := strings.IndexByte(s, '/'); i >= 0 {
		return s[:i], s[i+1:], true
	}
	return "", s, false
}

// jsFalsy reports whether JavaScript reads v as false: null, false, 0, NaN
// and the empty string.
func jsFalsy(v any) bool {
	switch v := v.(type) {
	case nil:
		return true
	case bool:
		return !v
	case float64:
		return v == 0 || v != v
	case string:
		return v == ""
	}
	return false
}

// isNonEmptyString is Backstage's check: something left after JavaScript's
// String.prototype.trim.
func isNonEmptyString(s string) bool {
	return strings.TrimFunc(s, isJSSpace) != ""
}

// isJSSpace is JavaScript's WhiteSpace and LineTerminator, which trim removes.
func isJSSpace(r rune) bool {
	switch r {
	case '\t', '\n', '\v', '\f', '\r', ' ', 0xA0, 0x1680, 0x2028, 0x2029, 0x202F, 0x205F, 0x3000, 0xFEFF:
		return true
	}
	return r >= 0x2000 && r <= 0x200A
}
