// Command gen writes the templates' template.yaml files; run it with
// go generate ./templates.
package main

import (
	"fmt"
	"os"

	"github.com/stagecrew/stagecrew/templates"
)

func main() {
	if err := templates.Write("."); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}
