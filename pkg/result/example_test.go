package result_test

import (
	"fmt"

	"github.com/stagecrew/stagecrew/pkg/result"
)

func ExampleExecutionConsoleURL() {
	u, err := result.ExecutionConsoleURL("arn:aws:states:eu-west-1:123456789012:execution:orders:run-1")
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(u)
	// Output: https://eu-west-1.console.aws.amazon.com/states/home?region=eu-west-1#/v2/executions/details/arn:aws:states:eu-west-1:123456789012:execution:orders:run-1
}
