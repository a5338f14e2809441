package scaffolder_test

import (
	"fmt"

	"github.com/stagecrew/stagecrew/pkg/scaffolder"
)

// A form page from a Go type: the type the code reading the values uses.
func ExamplePageFor() {
	type Deploy struct {
		Entity      string `json:"entity" jsonschema:"title=Entity" ui:"field=EntityPicker"`
		Environment string `json:"environment" jsonschema:"title=Environment,enum=staging,enum=production"`
	}
	page, err := scaffolder.PageFor("What and where", Deploy{})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(page.Schema.Title, page.Schema.Required)
	// Output: What and where [entity environment]
}

// Lint finds what the Template schema cannot: here a parameter that the
// form does not declare.
func ExampleLint() {
	template := `apiVersion: scaffolder.backstage.io/v1beta3
kind: Template
metadata:
  name: hello
spec:
  type: service
  parameters:
    - properties:
        name: {type: string}
  steps:
    - id: log
      action: debug:log
      input:
        message: Hello ${{ parameters.nmae }}
`
	problems, _, _ := scaffolder.Lint("template.yaml", []byte(template))
	for _, p := range problems {
		fmt.Println(p)
	}
	// Output: template.yaml:14:18: spec.steps.0.input.message: ${{ parameters.nmae }} is not declared in spec.parameters (did you mean "name"?)
}
