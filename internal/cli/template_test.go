package cli

import (
	"encoding/json"
	"strings"
	"testing"
)

const templateYAML = `apiVersion: scaffolder.backstage.io/v1beta3
kind: Template
metadata:
  name: hello
spec:
  type: service
  parameters:
    - title: Name
      properties:
        name: {type: string}
  steps:
    - id: log
      action: debug:log
      input:
        message: ${{ parameters.name }}
`

func TestTemplateLint(t *testing.T) {
	dir := writeFiles(t, map[string]string{
		"good/template.yaml": templateYAML,
		"bad/template.yaml":  strings.Replace(templateYAML, "parameters.name", "parameters.nmae", 1),
		"catalog-info.yaml":  groupYAML, // not a template: skipped
	})
	if code, out, errOut := run(t, nil, "template", "lint", dir+"/good"); code != 0 || !strings.Contains(out, "✓ 1 template in 1 file; 0 problems") {
		t.Fatalf("good: exit %d\n%s%s", code, out, errOut)
	}
	code, out, _ := run(t, nil, "template", "lint", "--format", "json", dir)
	if code != 1 {
		t.Fatalf("bad: exit %d\n%s", code, out)
	}
	var rep ValidateReport
	if err := json.Unmarshal([]byte(out), &rep); err != nil {
		t.Fatal(err)
	}
	if rep.Entities != 2 || rep.Errors != 1 || rep.Findings[0].Line != 15 || !strings.Contains(rep.Findings[0].Message, `did you mean "name"?`) {
		t.Fatalf("report = %+v", rep)
	}
	env := map[string]string{"GITHUB_ACTIONS": "true", "GITHUB_WORKSPACE": dir}
	_, out, _ = run(t, env, "template", "lint", dir+"/bad")
	if !strings.Contains(out, "::error col=18,file=bad/template.yaml,line=15,title=stagecrew template lint::spec.steps.0.input.message: ${{ parameters.nmae }}") {
		t.Errorf("annotation missing:\n%s", out)
	}
}
