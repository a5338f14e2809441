package annotations

import (
	"maps"
	"strings"
	"testing"
)

func TestParseTags(t *testing.T) {
	tests := []struct {
		in      string
		want    map[string]string
		wantErr string
	}{
		{in: "team=payments", want: map[string]string{"team": "payments"}},
		{in: " team = payments ,env=prod ", want: map[string]string{"team": "payments", "env": "prod"}},
		{in: "empty=", want: map[string]string{"empty": ""}},
		{in: "aws:cloudformation:stack-name=web-prod", want: map[string]string{"aws:cloudformation:stack-name": "web-prod"}},
		{in: "Cost Center=R D", want: map[string]string{"Cost Center": "R D"}},
		{in: "app=ünïcødé/1.2+x@y", want: map[string]string{"app": "ünïcødé/1.2+x@y"}},
		{in: strings.Repeat("k", 128) + "=" + strings.Repeat("v", 256), want: map[string]string{strings.Repeat("k", 128): strings.Repeat("v", 256)}},

		{in: "", wantErr: "no tags"},
		{in: "   ", wantErr: "no tags"},
		{in: "a=1,", wantErr: "item 2 is empty"},
		{in: "a=1,,b=2", wantErr: "item 2 is empty"},
		{in: "a=1, team", wantErr: `item "team" has no "="`},
		{in: "=x", wantErr: `item "=x" has an empty key`},
		{in: " = x", wantErr: `item "= x" has an empty key`},
		{in: "a=1,a=2", wantErr: `item "a=2" repeats key "a"`},
		{in: "a= 1, a =2", wantErr: `repeats key "a"`},
		{in: "a=b=c", wantErr: `value contains "="`},
		{in: "a=b;c", wantErr: `value has ';'`},
		{in: "a\tb=c", wantErr: `key has '\t'`},
		{in: "a*=c", wantErr: `key has '*'`},
		{in: strings.Repeat("k", 129) + "=v", wantErr: "key is longer than 128"},
		{in: "k=" + strings.Repeat("v", 257), wantErr: "value is longer than 256"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := ParseTags(tt.in)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("ParseTags(%q) error = %v, want one containing %q", tt.in, err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("ParseTags(%q): %v", tt.in, err)
			}
			if !maps.Equal(got, tt.want) {
				t.Fatalf("ParseTags(%q) = %v, want %v", tt.in, got, tt.want)
			}
		})
	}
}

func TestFormatTags(t *testing.T) {
	if got, want := FormatTags(map[string]string{"b": "2", "a": "1", "c": ""}), "a=1, b=2, c="; got != want {
		t.Errorf("FormatTags = %q, want %q", got, want)
	}
	if got := FormatTags(nil); got != "" {
		t.Errorf("FormatTags(nil) = %q, want \"\"", got)
	}
}

func FuzzParseTags(f *testing.F) {
	for _, s := range []string{"a=1", "a=1, b=2", " a = 1 ,b=", "a", "=", "a=1,a=2", "k=v=w", "a\u00a0=\u2028b"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		m, err := ParseTags(s)
		if err != nil {
			return
		}
		if len(m) == 0 {
			t.Fatalf("ParseTags(%q) returned no tags and no error", s)
		}
		back, err := ParseTags(FormatTags(m))
		if err != nil || !maps.Equal(m, back) {
			t.Fatalf("%q parsed to %q, which formats to %q and parses to %q, %v", s, m, FormatTags(m), back, err)
		}
	})
}
