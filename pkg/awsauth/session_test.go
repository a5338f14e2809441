package awsauth

import (
	"regexp"
	"strings"
	"testing"
)

var reSessionName = regexp.MustCompile(`^[\w+=,.@-]{2,64}$`)

func TestSessionName(t *testing.T) {
	long := strings.Repeat("x", 100)
	tests := []struct {
		name, actor, run, want string
	}{
		{"actor and run", "octocat", "1234567890-1", "octocat@1234567890-1"},
		{"bot actor", "dependabot[bot]", "42-1", "dependabot-bot-@42-1"},
		{"allowed punctuation kept", "a_b+c=d,e.f@g-h", "", "a_b+c=d,e.f@g-h"},
		{"spaces, slashes, colons", "a b/c:d", "", "a-b-c-d"},
		{"non-ASCII, one dash per character", "ünï", "1", "-n-@1"},
		{"empty", "", "", "stagecrew"},
		{"one character", "a", "", "stagecrew-a"},
		{"run only", "", "7", "stagecrew-7"},
		{"exactly 64 kept", strings.Repeat("y", 62), "1", strings.Repeat("y", 62) + "@1"},
		// The hashes, computed apart: python3 -c "import hashlib; print(hashlib.sha256(b'y'*63 + b'\\x001').hexdigest()[:8])"
		{"65 truncated with hash", strings.Repeat("y", 63), "1", strings.Repeat("y", 55) + "-ae5e7b99"},
		{"long actor truncated with hash", long, "1-1", strings.Repeat("x", 55) + "-6f775218"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := SessionName(tt.actor, tt.run)
			if got != tt.want {
				t.Errorf("SessionName(%q, %q) = %q, want %q", tt.actor, tt.run, got, tt.want)
			}
			if !reSessionName.MatchString(got) {
				t.Errorf("SessionName(%q, %q) = %q does not match %s", tt.actor, tt.run, got, reSessionName)
			}
		})
	}
}

func TestSessionNameTruncationKeepsInputsApart(t *testing.T) {
	a := SessionName(strings.Repeat("z", 70), "1-1")
	b := SessionName(strings.Repeat("z", 70), "1-2")
	if a == b || len(a) != 64 || len(b) != 64 {
		t.Errorf("two runs of a long actor: %q and %q, want distinct 64-character names", a, b)
	}
}

func TestRunSessionName(t *testing.T) {
	env := map[string]string{"GITHUB_ACTOR": "octocat", "GITHUB_RUN_ID": "99", "GITHUB_RUN_ATTEMPT": "3"}
	if got := runSessionName(func(k string) string { return env[k] }); got != "octocat@99-3" {
		t.Errorf("runSessionName = %q, want octocat@99-3", got)
	}
}

func FuzzSessionName(f *testing.F) {
	for _, s := range [][2]string{{"octocat", "1-1"}, {"dependabot[bot]", ""}, {"", ""}, {strings.Repeat("é", 40), "9"}, {"a\x00b", "\xff"}} {
		f.Add(s[0], s[1])
	}
	f.Fuzz(func(t *testing.T, actor, run string) {
		got := SessionName(actor, run)
		if !reSessionName.MatchString(got) {
			t.Fatalf("SessionName(%q, %q) = %q does not match %s", actor, run, got, reSessionName)
		}
		if again := SessionName(actor, run); again != got {
			t.Fatalf("not deterministic: %q then %q", got, again)
		}
		joined := actor
		if actor != "" && run != "" {
			joined += "@"
		}
		joined += run
		if reSessionName.MatchString(joined) && got != joined {
			t.Fatalf("a valid name %q was changed to %q", joined, got)
		}
	})
}
