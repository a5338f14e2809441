package catalog

import (
	"errors"
	"strings"
	"testing"
)

func TestParseRef(t *testing.T) {
	tests := []struct {
		in, kind, ns string
		want         Ref
		err          bool
	}{
		{in: "component:default/payments", want: Ref{"component", "default", "payments"}},
		{in: "payments", kind: "Group", want: Ref{"Group", "default", "payments"}},
		{in: "team-a/payments", kind: "Group", want: Ref{"Group", "team-a", "payments"}},
		{in: "user:jdoe", ns: "corp", want: Ref{"user", "corp", "jdoe"}},
		{in: "a/b:c", kind: "Group", want: Ref{"Group", "a", "b:c"}}, // "/" before ":" ends the namespace
		{in: "a:b:c", want: Ref{"a", "default", "b:c"}},
		{in: "a:b/c/d", want: Ref{"a", "b", "c/d"}},
		{in: "", err: true},
		{in: ":x", err: true},
		{in: "x:", err: true},
		{in: "/x", kind: "K", err: true},
		{in: "k:/x", err: true},
		{in: "payments", err: true}, // no kind and no default
	}
	for _, tt := range tests {
		got, err := ParseRef(tt.in, tt.kind, tt.ns)
		if tt.err {
			if !errors.Is(err, ErrInvalidRef) {
				t.Errorf("ParseRef(%q) err = %v, want ErrInvalidRef", tt.in, err)
			}
			continue
		}
		if err != nil || got != tt.want {
			t.Errorf("ParseRef(%q, %q, %q) = %+v, %v; want %+v", tt.in, tt.kind, tt.ns, got, err, tt.want)
		}
	}
}

func TestRefCompare(t *testing.T) {
	a := Ref{"Component", "Default", "Payments"}
	b := Ref{"component", "default", "payments"}
	if !a.Equal(b) || a.String() != "component:default/payments" {
		t.Errorf("Equal = %v, String = %q", a.Equal(b), a.String())
	}
	if a.Compact() != "Component:Payments" {
		t.Errorf("Compact = %q", a.Compact())
	}
	if (Ref{"Group", "ops", "sre"}).Compact() != "Group:ops/sre" {
		t.Errorf("Compact with namespace wrong")
	}
	if a.Equal(Ref{"component", "default", "payment"}) {
		t.Errorf("different names compare equal")
	}
}

// FuzzParseRef checks that parsing never panics and that a parsed ref,
// written out and parsed again, is the same ref.
func FuzzParseRef(f *testing.F) {
	for _, s := range []string{"component:default/x", "x", "a/b", "a:b:c", "/x", ":", "a/b:c/d"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		r, err := ParseRef(s, "Group", "")
		if err != nil {
			return
		}
		if r.Kind == "" || r.Namespace == "" || r.Name == "" {
			t.Fatalf("ParseRef(%q) = %+v with an empty part", s, r)
		}
		if r.Namespace != "" && !containsAny(r.Kind, ":/") && !containsAny(r.Namespace, ":/") {
			again, err := ParseRef(r.Kind+":"+r.Namespace+"/"+r.Name, "", "")
			if err != nil || again != r {
				t.Fatalf("round trip of %+v gave %+v, %v", r, again, err)
			}
		}
	})
}

func containsAny(s, chars string) bool {
	for _, c := range chars {
		for _, x := range s {
			if x == c {
				return true
			}
		}
	}
	return false
}

// FuzzRefKey checks Key and AppendKey against the expression Key
// replaces: each part lower-cased by strings.ToLower (which also turns
// invalid UTF-8 into U+FFFD), joined as kind:namespace/name; and
// AppendCompact against Compact.
func FuzzRefKey(f *testing.F) {
	f.Add("Component", "Default", "Payments")
	f.Add("API", "", "x")
	f.Add("Grüppe", "NS", "\xff")
	f.Add("KIND", "İ", "ẞ")
	f.Add("Group", "DEFAULT", "x")
	f.Add("Group", "defaulT", "")
	f.Fuzz(func(t *testing.T, kind, ns, name string) {
		r := Ref{Kind: kind, Namespace: ns, Name: name}
		if ns == "" {
			ns = DefaultNamespace
		}
		want := strings.ToLower(kind) + ":" + strings.ToLower(ns) + "/" + strings.ToLower(name)
		if got := r.Key(); got != want {
			t.Fatalf("%+v.Key() = %q, want %q", r, got, want)
		}
		if got := string(r.AppendKey([]byte("x"))); got != "x"+want {
			t.Fatalf("%+v.AppendKey(x) = %q, want %q", r, got, "x"+want)
		}
		if got, want := string(r.AppendCompact([]byte("x"))), "x"+r.Compact(); got != want {
			t.Fatalf("%+v.AppendCompact(x) = %q, want %q", r, got, want)
		}
	})
}
