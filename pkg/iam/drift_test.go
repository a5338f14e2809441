package iam

import (
	"strings"
	"testing"
)

func TestDriftPermissions(t *testing.T) {
	doc, err := DriftPermissions(DriftPermissionOptions{Account: "111111111111", Regions: []string{"us-east-1", "eu-west-1", "us-east-1"}})
	if err != nil {
		t.Fatal(err)
	}
	b, err := doc.JSON()
	if err != nil {
		t.Fatal(err)
	}
	if err := Validate(b); err != nil {
		t.Fatalf("%v\n%s", err, b)
	}
	s := string(b)
	for _, want := range []string{`"tag:GetResources"`, `"states:ListStateMachines"`, `"ecs:DescribeServices"`,
		`"states:DescribeStateMachineAlias"`, `"arn:aws:ecs:eu-west-1:111111111111:service/*"`, `"arn:aws:states:us-east-1:111111111111:stateMachine:*"`} {
		if !strings.Contains(s, want) {
			t.Errorf("lacks %s:\n%s", want, s)
		}
	}
	if strings.Count(s, "us-east-1") != 2 {
		t.Errorf("regions not deduplicated:\n%s", s)
	}
	for _, verb := range []string{"Create", "Update", "Delete", "Put", "Start", "Stop", "Tag", "Untag", "Publish", "Register", "Run"} {
		if strings.Contains(s, ":"+verb) {
			t.Errorf("a %s action in the read-only policy:\n%s", verb, s)
		}
	}
	if _, err := DriftPermissions(DriftPermissionOptions{Account: "12345"}); err == nil {
		t.Error("a short account passed")
	}
	any, _ := DriftPermissions(DriftPermissionOptions{Partition: "aws-cn", Account: "111111111111"})
	if b, _ := any.JSON(); !strings.Contains(string(b), "arn:aws-cn:ecs:*:111111111111:service/*") {
		t.Errorf("no regions:\n%s", b)
	}
}
