package asl_test

import (
	"fmt"

	"github.com/stagecrew/stagecrew/pkg/asl"
)

func ExampleValidate() {
	definition := []byte(`{
  "StartAt": "Fetch",
  "States": {
    "Fetch": {
      "Type": "Task",
      "Resource": "arn:aws:states:::lambda:invoke",
      "Retry": [
        {"ErrorEquals": ["States.ALL"]},
        {"ErrorEquals": ["States.Timeout"]}
      ],
      "Next": "Done"
    }
  }
}`)
	for _, f := range asl.Validate(definition) {
		fmt.Println(f)
	}
	// Output:
	// 8:10: error: States.ALL appears only in the last Retrier [errors-all] (at /States/Fetch/Retry/0/ErrorEquals)
	// 11:7: error: Next "Done" is not a state of this States object [next-unknown] (at /States/Fetch/Next)
}

func ExampleParse() {
	def, err := asl.Parse([]byte(`{
  "QueryLanguage": "JSONata",
  "StartAt": "Each",
  "States": {
    "Each": {
      "Type": "Map",
      "Items": "{% $states.input.orders %}",
      "ItemProcessor": {
        "StartAt": "Ship",
        "States": {"Ship": {"Type": "Task", "Resource": "arn:aws:states:::sqs:sendMessage", "End": true}}
      },
      "End": true
    }
  }
}`))
	if err != nil {
		fmt.Println(err)
		return
	}
	def.Walk(func(s *asl.State) bool {
		fmt.Printf("%s %s %s line %d\n", s.Name, s.Type, s.QueryLanguage, s.Line)
		return true
	})
	fmt.Println("errors:", asl.HasErrors(def.Validate()))
	// Output:
	// Each Map JSONata line 5
	// Ship Task JSONata line 10
	// errors: false
}
