// Reads one JSON string per line (a regex); prints "ok" or the error, one line each: what
// Prometheus's NewFastRegexMatcher does (syntax.Parse with syntax.Perl, then regexp.Compile
// of the anchored form), less building the program, which fails only where the parse of the
// anchored form does (its size is checked while parsing): the anchored form is parsed instead.
package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"
	"regexp/syntax"
	"strings"
)

func main() {
	in := bufio.NewScanner(os.Stdin)
	in.Buffer(make([]byte, 1<<20), 1<<26)
	out := bufio.NewWriter(os.Stdout)
	defer out.Flush()
	for in.Scan() {
		var v string
		if err := json.Unmarshal(in.Bytes(), &v); err != nil {
			panic(err)
		}
		if _, err := syntax.Parse(v, syntax.Perl); err != nil {
			fmt.Fprintln(out, strings.ReplaceAll(err.Error(), "\n", " "))
			continue
		}
		if _, err := syntax.Parse("^(?:"+v+")$", syntax.Perl); err != nil {
			fmt.Fprintln(out, strings.ReplaceAll(err.Error(), "\n", " "))
			continue
		}
		fmt.Fprintln(out, "ok")
	}
}
