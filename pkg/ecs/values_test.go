package ecs

import (
	"errors"
	"reflect"
	"strings"
	"testing"
)

func TestParseImages(t *testing.T) {
	got, err := ParseImages("# images\nweb = registry.example/web:2\r\n\n  worker=registry.example/worker@sha256:abc\n")
	if err != nil {
		t.Fatal(err)
	}
	want := []ContainerValue{{Container: "web", Value: "registry.example/web:2", Line: 2}, {Container: "worker", Value: "registry.example/worker@sha256:abc", Line: 4}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got %+v", got)
	}
	for _, tc := range []struct{ in, want string }{
		{"web", `line 1, container: "web" has no "="`},
		{"\nweb x=img", `line 2, container: "web x" is not a container name`},
		{"web=", "line 1, image: container web has an empty image"},
		{"web=a b", `line 1, image: "a b" is not an image reference`},
		{"web=a\nweb=b", "line 2, container: container web is named twice (lines 1 and 2)"},
	} {
		_, err := ParseImages(tc.in)
		var le *LineError
		if !errors.As(err, &le) || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("ParseImages(%q) = %v, want %q", tc.in, err, tc.want)
		}
	}
	if _, err := ParseImages("\n# nothing\n"); !errors.Is(err, ErrNoValues) {
		t.Errorf("empty: %v", err)
	}
}

func TestParseContainerValues(t *testing.T) {
	lines := "web.LOG_LEVEL=debug\n# comment\nweb.URL = http://x:8080/?a=b\nworker.QUEUE=jobs\n"
	yml := "web:\n  LOG_LEVEL: debug\n  URL: \"http://x:8080/?a=b\"\n# comment\nworker:\n  QUEUE: jobs\n"
	want := []ContainerValue{
		{Container: "web", Name: "LOG_LEVEL", Value: "debug", Line: 1},
		{Container: "web", Name: "URL", Value: "http://x:8080/?a=b", Line: 3},
		{Container: "worker", Name: "QUEUE", Value: "jobs"},
	}
	got, err := ParseContainerValues(lines)
	want[2].Line = 4
	if err != nil || !reflect.DeepEqual(got, want) {
		t.Errorf("lines: %+v %v", got, err)
	}
	got, err = ParseContainerValues(yml)
	want[1].Line, want[2].Line = 3, 6
	want[0].Line = 2
	if err != nil || !reflect.DeepEqual(got, want) {
		t.Errorf("yaml: %+v %v", got, err)
	}
	// Numbers and booleans are strings; null is empty.
	got, err = ParseContainerValues("web: {PORT: 8080, DEBUG: true, EMPTY: ~}")
	if err != nil || len(got) != 3 || got[0].Value != "8080" || got[1].Value != "true" || got[2].Value != "" {
		t.Errorf("scalars: %+v %v", got, err)
	}

	for _, tc := range []struct{ in, want string }{
		{"web.A=1\nweb.A=2", "line 2, name: web.A is set twice (lines 1 and 2)"},
		{"web.A=1\nB=2", `line 2, container: "B" does not name a container`},
		{"web.A=1\nnonsense", `line 2, name: "nonsense" has no "="`},
		{"web.1A=x", `line 1, name: "1A" is not a variable name`},
		{"we b.A=x", `line 1, container: "we b" is not a container name`},
		{"web:\n  A: [1, 2]", "line 2, value: web.A: expected a string, number or boolean"},
		{"web: x", "line 1, name: container web: expected a mapping"},
		{"- web", "line 1, container: expected container.NAME=value lines"},
		{"web:\n  A: 1\nweb:\n  B: 2", "line 3, container: container web is named twice"},
		{"web:\n  A: 1\n B: 2", "line 2, yaml: neither container.NAME=value lines nor YAML"},
		{"web:\n  bad-name: 1", `line 2, name: "bad-name" is not a variable name`},
	} {
		_, err := ParseContainerValues(tc.in)
		var le *LineError
		if !errors.As(err, &le) || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("ParseContainerValues(%q) = %v, want %q", tc.in, err, tc.want)
		}
	}
	for _, empty := range []string{"", "\n  \n# only a comment\n", "{}"} {
		if _, err := ParseContainerValues(empty); !errors.Is(err, ErrNoValues) {
			t.Errorf("%q: %v", empty, err)
		}
	}
}

func FuzzParseContainerValues(f *testing.F) {
	for _, s := range []string{"web.A=1", "web:\n  A: 1", "web: {A: [1]}", "a.b=c=d\n#x\n", "web:\n  A: &x 1\n  B: *x", "- a"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		vs, err := ParseContainerValues(s)
		if err != nil {
			var le *LineError
			if !errors.Is(err, ErrNoValues) && (!errors.As(err, &le) || le.Line < 1 || le.Field == "") {
				t.Fatalf("error %v is not a *LineError with a line and field", err)
			}
			return
		}
		seen := map[[2]string]bool{}
		for _, v := range vs {
			if !reContainerName.MatchString(v.Container) || !reVarName.MatchString(v.Name) || v.Line < 1 {
				t.Fatalf("bad entry %+v", v)
			}
			if seen[[2]string{v.Container, v.Name}] {
				t.Fatalf("duplicate %+v", v)
			}
			seen[[2]string{v.Container, v.Name}] = true
		}
		edits := EditsFromValues(nil, vs, nil)
		n := 0
		for _, e := range edits {
			n += len(e.Environment)
		}
		if n != len(vs) {
			t.Fatalf("%d entries, %d in edits", len(vs), n)
		}
	})
}

func FuzzParseImages(f *testing.F) {
	for _, s := range []string{"web=img:1", "a=b\nc=d", "# x\n=y", "web=a b"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		vs, err := ParseImages(s)
		if err != nil {
			var le *LineError
			if !errors.Is(err, ErrNoValues) && (!errors.As(err, &le) || le.Line < 1) {
				t.Fatalf("error %v", err)
			}
			return
		}
		for _, v := range vs {
			if !reContainerName.MatchString(v.Container) || v.Value == "" || strings.ContainsAny(v.Value, " \n") {
				t.Fatalf("bad entry %+v", v)
			}
		}
	})
}
