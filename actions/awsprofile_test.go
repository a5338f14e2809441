package actions

import (
	"strings"
	"testing"
)

func TestSetINISection(t *testing.T) {
	old := "[default]\nregion = eu-west-1\n\n[profile stagecrew]\nregion = us-west-2\nrole_arn = arn:aws:iam::1:role/old\n[ other ] ; kept\nx = 1"
	got, err := setINISection(old, "profile stagecrew", [][2]string{{"region", "us-east-1"}})
	if err != nil {
		t.Fatal(err)
	}
	want := "[default]\nregion = eu-west-1\n\n[ other ] ; kept\nx = 1\n[profile stagecrew]\nregion = us-east-1\n"
	if got != want {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}
	for _, bad := range []struct {
		section string
		body    [][2]string
	}{
		{"a]\n[default", nil},
		{"x", [][2]string{{"k", "v\n[default]"}}},
		{"x", [][2]string{{"k=v", "v"}}},
		{"", nil},
	} {
		if _, err := setINISection("", bad.section, bad.body); err == nil {
			t.Errorf("%q %q was written", bad.section, bad.body)
		}
	}
}

// FuzzSetINISection: whatever the file held, the section appears once,
// last, with exactly the body; every line outside it is kept in order.
func FuzzSetINISection(f *testing.F) {
	f.Add("[default]\nregion = eu-west-1\n[stagecrew]\naws_access_key_id = A\n", "stagecrew", "secret")
	f.Add("[stagecrew]\n[stagecrew]\nx", "stagecrew", "v")
	f.Add("no header\r\n[ stagecrew ]\r\nk=v\r\n", "stagecrew", "v")
	f.Fuzz(func(t *testing.T, text, section, value string) {
		got, err := setINISection(text, section, [][2]string{{"aws_secret_access_key", value}})
		if err != nil {
			return
		}
		var sections []string
		var kept []string
		current := ""
		for _, line := range strings.SplitAfter(got, "\n") {
			if name, ok := iniHeader(line); ok {
				sections = append(sections, name)
				current = name
			}
			if current != section && line != "" {
				kept = append(kept, strings.TrimSuffix(line, "\n"))
			}
		}
		n := 0
		for _, s := range sections {
			if s == section {
				n++
			}
		}
		if n != 1 || sections[len(sections)-1] != section {
			t.Fatalf("section %q appears %d times, sections %q:\n%s", section, n, sections, got)
		}
		if !strings.HasSuffix(got, "["+section+"]\naws_secret_access_key = "+value+"\n") {
			t.Fatalf("the section does not end the file with its body:\n%q", got)
		}
		// Lines outside the section: those of the input outside it, in order.
		var want []string
		current = ""
		for _, line := range strings.SplitAfter(text, "\n") {
			if name, ok := iniHeader(line); ok {
				current = name
			}
			if current != section && line != "" {
				want = append(want, strings.TrimSuffix(line, "\n"))
			}
		}
		if strings.Join(kept, "\n") != strings.Join(want, "\n") {
			t.Fatalf("other lines changed:\n%q\nwant\n%q", kept, want)
		}
	})
}
