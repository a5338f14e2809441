package annotations

import (
	"slices"
	"strings"
	"testing"
)

func TestParseEnvironments(t *testing.T) {
	tests := []struct {
		in      string
		want    []string
		wantErr string
	}{
		{in: "production", want: []string{"production"}},
		{in: "staging, production", want: []string{"staging", "production"}},
		{in: " dev ,eu.prod_1 , US-East ", want: []string{"dev", "eu.prod_1", "US-East"}},
		{in: "", wantErr: "no environments"},
		{in: "staging,", wantErr: "item 2 is empty"},
		{in: "staging, staging", wantErr: `"staging" is listed twice`},
		{in: "-staging", wantErr: `"-staging" is not a valid environment name`},
		{in: "pre prod", wantErr: `"pre prod" is not a valid`},
		{in: strings.Repeat("e", 64), wantErr: "is not a valid"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := ParseEnvironments(tt.in)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("ParseEnvironments(%q) error = %v, want one containing %q", tt.in, err, tt.wantErr)
				}
				return
			}
			if err != nil || !slices.Equal(got, tt.want) {
				t.Fatalf("ParseEnvironments(%q) = %q, %v; want %q", tt.in, got, err, tt.want)
			}
		})
	}
}

func TestCheckRepoPath(t *testing.T) {
	tests := []struct {
		in      string
		wantErr string
	}{
		{in: "statemachine.asl.json"},
		{in: "deploy/sfn/definition.asl.yaml"},
		{in: "..hidden/x.json"},
		{in: "", wantErr: "empty path"},
		{in: "/deploy/x.json", wantErr: "is absolute"},
		{in: "../x.json", wantErr: "not a file inside the repository"},
		{in: "a/../../x.json", wantErr: "not a file inside the repository"},
		{in: "a/..", wantErr: "not a file inside the repository"},
		{in: ".", wantErr: "not a file inside the repository"},
		{in: "./x.json", wantErr: `not clean; write "x.json"`},
		{in: "a//x.json", wantErr: `write "a/x.json"`},
		{in: "a/b/../x.json", wantErr: `write "a/x.json"`},
		{in: "dir/", wantErr: `write "dir"`},
		{in: `deploy\x.json`, wantErr: "backslash"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			err := checkRepoPath(tt.in)
			if tt.wantErr == "" {
				if err != nil {
					t.Fatalf("checkRepoPath(%q): %v", tt.in, err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("checkRepoPath(%q) error = %v, want one containing %q", tt.in, err, tt.wantErr)
			}
		})
	}
}

func TestCheckContainer(t *testing.T) {
	for _, ok := range []string{"app", "web_1-sidecar", strings.Repeat("c", 255)} {
		if err := checkContainer(ok); err != nil {
			t.Errorf("checkContainer(%q): %v", ok, err)
		}
	}
	for _, bad := range []string{"", "web.app", "web app", strings.Repeat("c", 256)} {
		if err := checkContainer(bad); err == nil {
			t.Errorf("checkContainer(%q) = nil, want an error", bad)
		}
	}
}
