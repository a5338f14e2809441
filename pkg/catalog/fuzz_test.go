package catalog

import (
	"errors"
	"testing"
)

// FuzzDecode feeds arbitrary bytes to the decoder and validator: they must
// never panic, and every error must be a *DecodeError with a file name.
func FuzzDecode(f *testing.F) {
	for _, s := range []string{
		"apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata: {name: x}\nspec: {type: s, lifecycle: p, owner: o}\n",
		"a: &a [1]\nb: *a\n",
		"%YAML 1.1\n---\na: yes\n<<: {b: 1}\n",
		"---\n- x\n---\n~\n",
		"a: 1\na: 2\n",
		"a: [",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		docs, err := Decode("fuzz.yaml", data, DecodeOptions{MaxAliasNodes: 1000})
		var de *DecodeError
		if err != nil && (!errors.As(err, &de) || de.File != "fuzz.yaml") {
			t.Fatalf("file error %T %v is not a *DecodeError naming the file", err, err)
		}
		for _, d := range docs {
			if d.Err != nil {
				if !errors.As(d.Err, &de) {
					t.Fatalf("document error %T is not a *DecodeError", d.Err)
				}
				continue
			}
			if d.Entity == nil {
				t.Fatal("document with neither entity nor error")
			}
			if verr := Validate(d.Entity); verr != nil && !errors.Is(verr, ErrInvalidEntity) {
				t.Fatalf("Validate error %v does not match ErrInvalidEntity", verr)
			}
		}
	})
}

// FuzzIsValidURL checks the URL checker never panics.
func FuzzIsValidURL(f *testing.F) {
	for _, s := range []string{"https://x.com", "http://[::1]:80", "http://1.2.3.4", "file:///x", "a:b"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) { isValidURL(s) })
}
