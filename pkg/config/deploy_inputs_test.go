package config

import (
	"strings"
	"testing"
	"time"
)

// TestDeployInputs: the stepfunctions-deploy inputs are read and checked,
// and refused in the other modes.
func TestDeployInputs(t *testing.T) {
	in, err := Read(action(map[string]string{"environment": "staging", "mode": "stepfunctions-deploy",
		"definition-file": "statemachine/definition.asl.json", "substitutions": "Table=orders\nQueue=https://q?a=1,b=2",
		"alias": "staging", "canary-weight": "10", "canary-window": "5m"}))
	if err != nil {
		t.Fatal(err)
	}
	if in.Mode != ModeStepFunctionsDeploy || in.DefinitionFile != "statemachine/definition.asl.json" || in.Alias != "staging" ||
		in.CanaryWeight != 10 || in.CanaryWindow != 5*time.Minute || !strings.Contains(in.Substitutions, "Queue=") {
		t.Errorf("inputs %+v", in)
	}
	for _, c := range []struct {
		in   map[string]string
		want string
	}{
		{map[string]string{"mode": "stepfunctions-deploy", "alias": "42"}, "alias:"},
		{map[string]string{"mode": "stepfunctions-deploy", "substitutions": "9x=1"}, "substitutions:"},
		{map[string]string{"mode": "stepfunctions-deploy", "canary-weight": "100"}, "canary-weight:"},
		{map[string]string{"mode": "stepfunctions-deploy", "canary-window": "5m"}, "canary-window: is set but canary-weight is not"},
		{map[string]string{"mode": "stepfunctions", "alias": "live"}, "alias: is not used in mode stepfunctions"},
	} {
		c.in["environment"] = "staging"
		_, err := Read(action(c.in))
		if got := inputErrors(t, err); len(got) != 1 || !strings.HasPrefix(got[0], c.want) {
			t.Errorf("Read(%v) = %q, want one problem %q", c.in, got, c.want)
		}
	}
}
