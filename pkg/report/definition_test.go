package report

import (
	"strings"
	"testing"
	"time"

	"github.com/stagecrew/stagecrew/pkg/result"
)

// TestDefinitionBlocks: a definition deploy's findings and diff are
// fenced blocks after the table (never table cells), and text inside them
// cannot close the fence.
func TestDefinitionBlocks(t *testing.T) {
	r := &result.Result{Target: result.Target{Kind: result.StepFunctionsDeploy, Entity: "component:default/orders", Environment: "staging"},
		Status: result.Succeeded, Values: map[string]string{
			"version-arn":           "arn:aws:states:us-east-1:123456789012:stateMachine:orders:3",
			ValueDefinitionFindings: "4:7: warning: x [rule] (at /States/A)",
			ValueDefinitionDiff:     "--- deployed\n+++ repository\n@@ -1 +1 @@\n-  \"Comment\": \"a\"\n+  \"Comment\": \"```\\n@octocat\"\n",
		}}
	md := Markdown(r, time.Now())
	if strings.Contains(md, "| definition") {
		t.Errorf("block values in the table:\n%s", md)
	}
	i := strings.Index(md, "**Definition changes**")
	if i < 0 || !strings.Contains(md[i:], "````diff\n--- deployed\n") || !strings.Contains(md, "**Definition findings**\n\n```\n4:7: warning") {
		t.Fatalf("blocks missing or not fenced:\n%s", md)
	}
	if !strings.Contains(md, "| version\\-arn |") {
		t.Errorf("other values left the table:\n%s", md)
	}
}
