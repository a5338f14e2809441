package catalog

import (
	"errors"
	"fmt"
	"strings"
)

// ErrInvalidRef is matched (with errors.Is) by every error ParseRef returns.
var ErrInvalidRef = errors.New("invalid entity reference")

// Ref names an entity: kind, namespace and name. Backstage compares refs
// case-insensitively; use Equal or Key rather than ==.
type Ref struct {
	Kind      string
	Namespace string
	Name      string
}

// ParseRef parses a reference of the form [kind:][namespace/]name exactly as
// Backstage's parseEntityRef does: the first ":" before any "/" ends the kind,
// the first "/" ends the namespace, and the rest is the name. A missing kind
// takes defaultKind and a missing namespace takes defaultNamespace (or
// "default" when that is empty). An empty part, or a missing kind with no
// default, is an error wrapping ErrInvalidRef.
func ParseRef(s, defaultKind, defaultNamespace string) (Ref, error) {
	if s == "" {
		return Ref{}, fmt.Errorf("%w: entity reference must not be empty", ErrInvalidRef)
	}
	colon := strings.IndexByte(s, ':')
	slash := strings.IndexByte(s, '/')
	if slash != -1 && slash < colon {
		colon = -1
	}
	var r Ref
	hasKind, hasNS := colon != -1, slash != -1
	if hasKind {
		r.Kind = s[:colon]
	}
	if hasNS {
		r.Namespace = s[colon+1 : slash]
	}
	r.Name = s[max(colon+1, slash+1):]
	if (hasKind && r.Kind == "") || (hasNS && r.Namespace == "") || r.Name == "" {
		return Ref{}, fmt.Errorf("%w: %q is not of the form [<kind>:][<namespace>/]<name>", ErrInvalidRef, s)
	}
	if !hasKind {
		r.Kind = defaultKind
	}
	if !hasNS {
		r.Namespace = defaultNamespace
		if r.Namespace == "" {
			r.Namespace = DefaultNamespace
		}
	}
	if r.Kind == "" {
		return Ref{}, fmt.Errorf("%w: %q has no kind (write it as kind:%s)", ErrInvalidRef, s, s)
	}
	return r, nil
}

// String formats the ref in Backstage's canonical form, kind:namespace/name,
// all lower case, as stringifyEntityRef does.
func (r Ref) String() string {
	return r.Key()
}

// Key is the lower-case canonical form used to compare and index refs.
func (r Ref) Key() string {
	ns := r.Namespace
	if ns == "" {
		ns = DefaultNamespace
	}
	if !isASCII(r.Kind) || !isASCII(ns) || !isASCII(r.Name) {
		return strings.ToLower(r.Kind) + ":" + strings.ToLower(ns) + "/" + strings.ToLower(r.Name)
	}
	// ASCII, the common case: lowered into one allocation (ToLower
	// would make a copy of "Component" first, then the concatenation).
	var b strings.Builder
	b.Grow(len(r.Kind) + len(ns) + len(r.Name) + 2)
	writeLowerASCII(&b, r.Kind)
	b.WriteByte(':')
	writeLowerASCII(&b, ns)
	b.WriteByte('/')
	writeLowerASCII(&b, r.Name)
	return b.String()
}

func writeLowerASCII(b *strings.Builder, s string) {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		b.WriteByte(c)
	}
}

// AppendKey appends Key to dst and returns the extended buffer, for
// callers that build many keys into one allocation.
func (r Ref) AppendKey(dst []byte) []byte {
	ns := r.Namespace
	if ns == "" {
		ns = DefaultNamespace
	}
	if !isASCII(r.Kind) || !isASCII(ns) || !isASCII(r.Name) {
		return append(dst, r.Key()...)
	}
	return appendKeyASCII(dst, r.Kind, ns, r.Name)
}

func appendKeyASCII(dst []byte, kind, ns, name string) []byte {
	dst = appendLowerASCII(dst, kind)
	dst = append(dst, ':')
	dst = appendLowerASCII(dst, ns)
	dst = append(dst, '/')
	return appendLowerASCII(dst, name)
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return false
		}
	}
	return true
}

func appendLowerASCII(dst []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		dst = append(dst, c)
	}
	return dst
}

// Compact formats the ref as a person would write it: the kind is always
// kept, the namespace only when it is not "default"; case is preserved.
func (r Ref) Compact() string {
	if r.Namespace == "" || strings.EqualFold(r.Namespace, DefaultNamespace) {
		return r.Kind + ":" + r.Name
	}
	return r.Kind + ":" + r.Namespace + "/" + r.Name
}

// AppendCompact appends Compact to dst and returns the extended buffer.
func (r Ref) AppendCompact(dst []byte) []byte {
	dst = append(append(dst, r.Kind...), ':')
	if r.Namespace != "" && !strings.EqualFold(r.Namespace, DefaultNamespace) {
		dst = append(append(dst, r.Namespace...), '/')
	}
	return append(dst, r.Name...)
}

// Equal reports whether two refs name the same entity, ignoring case as
// Backstage does.
func (r Ref) Equal(o Ref) bool {
	return r.Key() == o.Key()
}
