# SPDX-License-Identifier: LGPL-2.1-only OR MIT
#
# `make lint-man`'s check of the one-font macros. .B, .I, .SM and .SB
# print their arguments separated by spaces, so a word split across
# arguments, ".I /etc/xenintro/ guest .yaml", renders as
# "/etc/xenintro/ guest .yaml"; joining words in alternating fonts is what
# .IR, .BI and the like are for. man --warnings sees nothing wrong there.
#
# Two neighbouring arguments read as one word when the first ends in
# / @ ( [ = or the second starts with . , ; : ) ] / (no word starts or
# ends so in running text). Prints FILE:LINE: for each, and exits 1.
#
# Usage: awk -f font-args.awk PAGE...

# The macro's arguments as groff splits them: at blanks, "..." quoting
# (with "" for a quote inside), into args[1..n]; returns n.
function split_args(s, args,    n, i, c, cur, inq, have) {
	n = 0
	cur = ""
	inq = 0
	have = 0
	for (i = 1; i <= length(s); i++) {
		c = substr(s, i, 1)
		if (inq) {
			if (c == "\"" && substr(s, i + 1, 1) == "\"") {
				cur = cur "\""
				i++
			} else if (c == "\"") {
				inq = 0
			} else {
				cur = cur c
			}
		} else if (c == " " || c == "\t") {
			if (have)
				args[++n] = cur
			cur = ""
			have = 0
		} else if (c == "\"" && !have) {
			inq = 1
			have = 1
		} else {
			cur = cur c
			have = 1
		}
	}
	if (have)
		args[++n] = cur
	return n
}

/^\.(B|I|SM|SB)[ \t]/ {
	macro = $1
	rest = substr($0, length(macro) + 1)
	n = split_args(rest, args)
	for (k = 1; k < n; k++) {
		if (args[k] ~ /[\/@(\[=]$/ || args[k + 1] ~ /^[.,;:)\]\/]/) {
			printf "%s:%d: %s puts a space between \"%s\" and \"%s\": to join them, alternate fonts with .IR, .BI, .RI...\n", \
				FILENAME, FNR, macro, args[k], args[k + 1]
			bad = 1
		}
	}
}

END { exit bad }
