package report

import (
	"strings"
	"testing"
	"time"

	"github.com/stagecrew/stagecrew/pkg/result"
)

func TestMarkdownEscapesUntrustedStrings(t *testing.T) {
	start := time.Date(2026, 11, 26, 10, 0, 0, 0, time.UTC)
	r := &result.Result{
		Target:    result.Target{Kind: result.StepFunctionsExecution, Entity: "component:default/orders", Environment: "production", Name: "orders"},
		Status:    result.Failed,
		StartedAt: start, EndedAt: start.Add(83 * time.Second),
		Links: []result.Link{{Title: "Execution", URL: "https://eu-west-1.console.aws.amazon.com/states/home?region=eu-west-1#/x"},
			{Title: "evil", URL: "javascript:alert(1)"}},
		Failure: &result.Failure{Where: "Charge [card](https://evil.example) <img src=x>", Error: "States.TaskFailed @everyone",
			Cause: "boom\n```\n# heading injected\n```"},
		Audit: result.Audit{Actor: "octocat", RoleARN: "arn:aws:iam::123456789012:role/deploy"},
	}
	md := Markdown(r, start.Add(time.Hour))
	for _, bad := range []string{"[card](https://evil", "<img", "javascript:", "@everyone"} {
		if strings.Contains(md, bad) {
			t.Errorf("markdown contains %q unescaped:\n%s", bad, md)
		}
	}
	for _, want := range []string{"<!-- stagecrew:component:default/orders:production -->", "| Duration | 1m23s |", "[open](https://eu-west-1.console.aws.amazon.com/", "````\nboom\n```\n# heading injected\n```\n````", `Charge \[card\]\(https://evil\.example\) &lt;img src=x&gt;`} {
		if !strings.Contains(md, want) {
			t.Errorf("markdown lacks %q:\n%s", want, md)
		}
	}
}

func TestCodeFence(t *testing.T) {
	got := Code("", "a ```` b")
	if !strings.HasPrefix(got, "`````\n") || !strings.HasSuffix(got, "\n`````\n") {
		t.Errorf("Code = %q", got)
	}
}

func FuzzText(f *testing.F) {
	f.Add("[x](y) <b> @me `c` | d")
	f.Fuzz(func(t *testing.T, s string) {
		out := Text(s)
		if strings.ContainsAny(out, "<>\n\r") {
			t.Fatalf("Text(%q) = %q keeps HTML or line breaks", s, out)
		}
		for i := 0; i < len(out); i++ {
			if strings.IndexByte("[]()`|", out[i]) >= 0 && (i == 0 || out[i-1] != '\\') {
				t.Fatalf("Text(%q) = %q leaves %q unescaped", s, out, out[i])
			}
		}
	})
}
