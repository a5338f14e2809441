package report_test

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/stagecrew/stagecrew/pkg/report"
	"github.com/stagecrew/stagecrew/pkg/result"
)

// Publish a result to pull request #7 of acme/payments: the sticky comment
// (edited by later runs) and a check run on the pull request's head commit.
func ExampleGitHub() {
	client, err := report.NewGitHubClient(http.DefaultClient, "https://api.github.com/", "TOKEN")
	if err != nil {
		panic(err)
	}
	gh := report.NewGitHub(client)
	r := &result.Result{Target: result.Target{Entity: "component:default/payments", Environment: "staging", Name: "payments"}, Status: result.Succeeded}
	md := report.Markdown(r, time.Now())
	ctx := context.Background()
	if _, err := gh.StickyComment(ctx, "acme", "payments", 7, report.Marker(r.Target.Entity, r.Target.Environment), md); err != nil {
		fmt.Println(err) // a *report.PermissionError names the permission the job lacks
	}
	if _, err := gh.CheckRun(ctx, "acme", "payments", "0123456789abcdef0123456789abcdef01234567", r, md); err != nil {
		fmt.Println(err)
	}
}

// Cut keeps Markdown within GitHub's limits without leaving a code block
// open.
func ExampleCut() {
	md := "Output:\n```json\n" + strings.Repeat("{\"line\": true}\n", 20)
	fmt.Print(report.Cut(md, 150))
	// Output:
	// Output:
	// ```json
	// {"line": true}
	// {"line": true}
	// {"line": true}
	// ```
	//
	// (cut: the report is longer than GitHub takes; the job summary has all of it)
}
