package logsafe_test

import (
	"fmt"

	"github.com/stagecrew/stagecrew/pkg/logsafe"
)

func ExampleString() {
	name := "a\n::add-mask::x\n.yaml" // a file name from a pull request
	fmt.Printf("%q\n", logsafe.String(name))
	// Output: "a\\n:\u200b:add-mask:\u200b:x\\n.yaml"
}
