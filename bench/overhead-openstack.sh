# overhead-openstack.sh: bench/overhead -t openstack, sourced by bench/overhead
#
# bench/overhead has started the private dockerd, made the solum home
# (`solum init`) and the work tree of examples/hello; this part starts a
# private Keystone, Glance and Heat (scripts/openstack.sh, under
# bench/out/overhead/openstack with fresh databases, stopped by that
# script and removed on exit), points solum at its cloud solum-test
# (solum.yaml `openstack: {cloud: solum-test}`, OS_CLIENT_CONFIG_FILE at
# its clouds.yaml; no registry, so solum passes the engine's image
# reference) and creates the app `hello` on tests/templates/value.yaml
# (OS::Heat::Value only: no Nova).
#
# Each of the REPS pushes is a new tree, so each is a real build, then a
# Glance upload, then the stack create (first push) or update (the
# others); the push returns once the stack is *_COMPLETE. Then, for the
# same release, its pieces done directly, in this order:
#   build   the engine alone (direct_build, as for the local target);
#   upload  POST /v2/images (the image record), then `curl --unix-socket
#           SOCK .../images/IMAGE/get | curl -T - .../v2/images/ID/file`
#           of the image solum built; the token is fetched before, outside
#           the timed part (its time is shown as `auth`, not subtracted;
#           `ovh-auth` subtracts it too), but its first use, which makes
#           Glance ask Keystone to validate it, is inside;
#   stack   a POST (first push) or PUT (the others) of the same template
#           and the parameters solum recorded for the release (its Glance
#           id swapped for the baseline's) to a stack of its own,
#           `bench-base`, polled every 100 ms (GET, no outputs) until
#           *_COMPLETE. Polling rather than Heat's event timestamps:
#           those have whole-second resolution.
# overhead = total - build - upload - stack.
# The peak RSS of solum is the largest VmHWM of any `solum` process during
# the push, sampled every 50 ms. Each push's output, every line stamped
# with the ms since the push began, stays in bench/out/overhead/pushes,
# and the services' logs in bench/out/overhead/openstack-log; a second
# table splits each push into solum's phases by those stamps.

load_start=$(cut -d' ' -f1-3 /proc/loadavg)
os_dir=$out/openstack
template=$top/tests/templates/value.yaml
base_stack=bench-base
base_id=
base_updated=

# fresh databases: no stack or image of an earlier run
"$top/scripts/openstack.sh" stop "$os_dir" >/dev/null 2>&1 || true
rm -rf "$os_dir" "$out/pushes"
"$top/scripts/openstack.sh" start "$os_dir" >/dev/null 2>"$out/openstack.log" ||
	{ tail -n 20 "$out/openstack.log" >&2; failed "starting OpenStack in $os_dir"; }
demo_pw=$(sed -n 's/^DEMO_PASSWORD=//p' "$os_dir/passwords")
keystone=http://127.0.0.1:$(sed -n 's/^KEYSTONE_PORT=//p' "$os_dir/ports")/v3
export OS_CLIENT_CONFIG_FILE=$os_dir/clouds.yaml
unset OS_CLOUD

cat >"$home/solum.yaml" <<YAML
docker:
  host: unix://$sock
registry:
  address:
openstack:
  cloud: solum-test
  stack_timeout: 120
YAML
"$solum" --home "$home" app create hello --template "$template" \
	>"$out/app.log" 2>&1 || { cat "$out/app.log" >&2; failed "solum app create"; }
test -d "$bare" || failed "no repository $bare"

# os_token: a demo token in $tok, the public Glance and Heat URLs in
# $glance and $heat, the time it took in $auth_ms
os_token() {
	local t0=$EPOCHREALTIME
	jq -n --arg pw "$demo_pw" '{auth: {
		identity: {methods: ["password"], password: {user: {name: "demo",
			domain: {id: "default"}, password: $pw}}},
		scope: {project: {name: "demo", domain: {id: "default"}}}}}' |
		curl -sSf --max-time 30 -D "$out/token.tmp" -o "$out/catalog.json" \
			-H 'Content-Type: application/json' -d @- \
			"$keystone/auth/tokens" || failed "a token from Keystone"
	auth_ms=$(ms_since "$t0")
	tok=$(sed -n 's/^[Xx]-[Ss]ubject-[Tt]oken: *\([^[:space:]]*\).*/\1/p' \
		"$out/token.tmp")
	glance=$(os_endpoint image)
	heat=$(os_endpoint orchestration)
	test -n "$tok" && test -n "$glance" && test -n "$heat" ||
		failed "no token, or no Glance or Heat in the catalog"
}

# os_endpoint TYPE: the public URL of TYPE in the catalog, no trailing /
os_endpoint() {
	jq -r --arg t "$1" '[.token.catalog[] | select(.type == $t) |
		.endpoints[] | select(.interface == "public") | .url][0] // empty' \
		"$out/catalog.json" | sed 's,/$,,'
}

# os_call METHOD URL [JSON]: the answer on stdout; fails on 400 or more
os_call() {
	local data=()
	test $# -lt 3 || data=(-H 'Content-Type: application/json' --data-binary "$3")
	curl -sS --fail-with-body --max-time 60 -H "X-Auth-Token: $tok" \
		-H 'Accept: application/json' -X "$1" "${data[@]}" "$2"
}

# os_upload N IMAGE: the engine's IMAGE into a new Glance image with curl;
# sets $upload_ms and $base_image
os_upload() {
	local t0=$EPOCHREALTIME st
	base_image=$(os_call POST "$glance/v2/images" \
		"{\"name\": \"bench-base-$1\", \"container_format\": \"docker\", \"disk_format\": \"raw\"}" |
		jq -r .id) || failed "creating image bench-base-$1"
	curl -sSf --max-time 300 --unix-socket "$sock" "$api/images/$2/get" |
		curl -sSf --max-time 300 -o /dev/null -T - -X PUT \
			-H "X-Auth-Token: $tok" \
			-H 'Content-Type: application/octet-stream' \
			"$glance/v2/images/$base_image/file"
	st=("${PIPESTATUS[@]}")
	upload_ms=$(ms_since "$t0")
	test "${st[0]}" = 0 && test "${st[1]}" = 0 ||
		failed "curl | curl of $2 into Glance (${st[*]})"
}

# os_stack PARAMS: create or update stack bench-base with the template and
# PARAMS (JSON), poll every 100 ms until it ends; sets $stack_ms. An update
# has ended once the stack is UPDATE_COMPLETE after UPDATE_IN_PROGRESS was
# seen or with an updated_time other than the last one. No request before
# the timed part: the first use of a new token costs its validation by
# Keystone, which solum's deploy pays too.
os_stack() {
	local params=$1 body t0 url st before after seen= i action
	body=$(jq -n --rawfile t "$template" --argjson p "$params" '{
		template: $t, parameters: $p, timeout_mins: 2,
		disable_rollback: false }')
	if test -z "$base_id"; then
		action=CREATE
		body=$(jq --arg n "$base_stack" '. + { stack_name: $n }' <<<"$body")
		before=
		t0=$EPOCHREALTIME
		base_id=$(os_call POST "$heat/stacks" "$body" | jq -r .stack.id) ||
			failed "creating stack $base_stack"
	else
		action=UPDATE
		before=$base_updated
		t0=$EPOCHREALTIME
		os_call PUT "$heat/stacks/$base_stack/$base_id" "$body" >/dev/null ||
			failed "updating stack $base_stack"
	fi
	url="$heat/stacks/$base_stack/$base_id?resolve_outputs=False"
	for i in $(seq 1 1200); do
		read -r st after < <(os_call GET "$url" |
			jq -r '.stack | "\(.stack_status) \(.updated_time)"') ||
			failed "polling stack $base_stack"
		case $st in
		*_IN_PROGRESS) seen=1 ;;
		"${action}_COMPLETE")
			if test $action = CREATE || test -n "$seen" ||
				test "$after" != "$before"; then
				stack_ms=$(ms_since "$t0")
				base_updated=$after
				return 0
			fi
			;;
		*) failed "stack $base_stack is $st" ;;
		esac
		sleep 0.1
	done
	failed "stack $base_stack still $st after 120 s"
}

# sample_rss FILE STOP: every 50 ms the largest VmHWM (kB) of any `solum`
# process so far into FILE, until STOP exists (at most 10 minutes)
sample_rss() {
	local hwm=0 i p k v _
	for i in $(seq 1 12000); do
		test -e "$2" && break
		for p in $(pgrep -x solum); do
			while read -r k v _; do
				if test "$k" = VmHWM: && test "$v" -gt "$hwm"; then
					hwm=$v
				fi
			done 2>/dev/null <"/proc/$p/status" || true
		done
		echo "$hwm" >"$1"
		sleep 0.05
	done
}

# stamp T0: each line of stdin after the milliseconds from $EPOCHREALTIME
# value T0 to its arrival (bash arithmetic: no process per line)
stamp() {
	local t0=${1/./} line t
	while IFS= read -r line; do
		t=${EPOCHREALTIME/./}
		printf '%6d %s\n' $(((t - t0) / 1000)) "$line"
	done
}

# at ERE FILE: the stamp (ms) of the first line of FILE that matches
at() {
	awk -v re="$1" '$0 ~ re { print $1; found = 1; exit }
		END { if (!found) print -1 }' "$2"
}

: >"$out/rows.tmp"
mkdir -p "$out/pushes"
for n in $(seq 1 "$reps"); do
	new_commit "$n"

	rm -f "$out/rss.stop"
	echo 0 >"$out/push.rss"
	sample_rss "$out/push.rss" "$out/rss.stop" &
	sampler=$!
	t0=$EPOCHREALTIME
	timeout 300 git -C "$work" push "$bare" master 2>&1 | stamp "$t0" >"$out/push.log"
	test "${PIPESTATUS[0]}" = 0 ||
		{ touch "$out/rss.stop"; cat "$out/push.log" >&2; failed "git push $n"; }
	total=$(ms_since "$t0")
	touch "$out/rss.stop"
	wait "$sampler" || true
	rss=$(cat "$out/push.rss")
	cp "$out/push.log" "$out/pushes/push-$n.log"
	grep -q "hello v$n is running at" "$out/push.log" ||
		{ cat "$out/push.log" >&2; failed "push $n did not deploy v$n"; }

	"$solum" --home "$home" releases hello --json >"$out/releases.json" ||
		failed "solum releases"
	image=$(jq -r --argjson n "$n" '.[] | select(.number == $n) |
		.image // .image_id' "$out/releases.json")
	params=$(jq -c --argjson n "$n" '.[] | select(.number == $n) | .params' \
		"$out/releases.json")
	test -n "$image" && test -n "$params" || failed "no image or parameters of v$n"

	tag=bench-overhead/direct:$n
	ebuild=$(direct_build "$tag" "$n")
	curl -sS --unix-socket "$sock" -X DELETE "$api/images/$tag?force=1" >/dev/null || true

	os_token
	os_upload "$n" "$image"
	params=$(jq -c --arg g "$base_image" '.glance_image = $g' <<<"$params")
	os_stack "$params"
	old=$(os_call GET "$glance/v2/images?name=bench-base-$((n - 1))" | jq -r '.images[].id')
	for id in $old; do
		os_call DELETE "$glance/v2/images/$id" >/dev/null || true
	done

	echo "$n $total $ebuild $upload_ms $stack_ms $auth_ms $rss" \
		"$(at '> Building ' "$out/push.log")" \
		"$(at '> Built ' "$out/push.log")" \
		"$(at '> Deploying stack ' "$out/push.log")" \
		"$(at '> Stack hello is ' "$out/push.log")" >>"$out/rows.tmp"
done

# ---- the report ----

echo "bench/overhead -t openstack  $(date -u '+%Y-%m-%d %H:%M:%S UTC')"
machine_lines "keystone $(dpkg-query -W -f '${Version}' keystone 2>/dev/null || echo ?)," \
	"glance-api $(dpkg-query -W -f '${Version}' glance-api 2>/dev/null || echo ?)," \
	"heat $(dpkg-query -W -f '${Version}' heat-engine 2>/dev/null || echo ?), "
echo "app: examples/hello ($(git -C "$work" ls-tree -r HEAD | wc -l) files) on tests/templates/value.yaml," \
	"$reps pushes, each changing www/bench.txt; image $(curl -sS --unix-socket "$sock" \
	"$api/images/$image/get" | wc -c) bytes (docker save)"
echo "load average at start: $load_start (the machine line: at the end)"
echo
jq -r '.[] | "\(.number) \(.build_ms) \(.push_ms) \(.deploy_ms)"' \
	"$out/releases.json" | sort -n >"$out/solum.tmp"
awk 'NR == FNR { rec[$1] = $2 " " $3 " " $4; next }
	$1 in rec { print $0, rec[$1] }' "$out/solum.tmp" "$out/rows.tmp" \
	>"$out/all.tmp"
awk '
	function median(a, n,   i, j, t) {
		for (i = 2; i <= n; i++)
			for (j = i; j > 1 && a[j - 1] > a[j]; j--) {
				t = a[j]; a[j] = a[j - 1]; a[j - 1] = t }
		return n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2 }
	function row(name, i) {
		printf "%-4s %6d %6d %6d %6d %8d %5d %8d %6.1f\n", name, i[1],
			i[2], i[3], i[4], i[5], i[6], i[7], i[8] }
	function srow(name, i) {
		printf "%-4s %7d %7d %8d %7d %8d   %7d %6d %8d\n", name, i[1],
			i[2], i[3], i[4], i[5], i[6], i[7], i[8] }
	{	n++
		# what was measured: total, the direct pieces, overhead
		M[1, n] = $2; M[2, n] = $3; M[3, n] = $4; M[4, n] = $5
		M[5, n] = $2 - $3 - $4 - $5; M[6, n] = $6
		M[7, n] = M[5, n] - $6; M[8, n] = $7 / 1024
		# solum: its phases from the stamped push output, its record
		S[1, n] = $8; S[2, n] = $9 - $8; S[3, n] = $10 - $9
		S[4, n] = $11 - $10; S[5, n] = $2 - $11
		S[6, n] = $12; S[7, n] = $13; S[8, n] = $14 }
	END {	if (!n) exit 1
		printf "%-4s %6s %6s %6s %6s %8s %5s %8s %6s\n", "push", "total",
			"build", "upload", "stack", "overhead", "auth", "ovh-auth",
			"rss-MB"
		for (r = 1; r <= n; r++) {
			for (c = 1; c <= 8; c++)
				v[c] = M[c, r]
			row("v" r, v) }
		for (c = 1; c <= 8; c++) {
			for (r = 1; r <= n; r++)
				a[r] = M[c, r]
			v[c] = median(a, n) }
		row("med", v)
		printf "\ntarget: overhead <= 500 ms (median): %s\n\n",
			v[5] <= 500 ? "met" : "MISSED"
		printf "%-4s %7s %7s %8s %7s %8s   %7s %6s %8s\n", "push",
			"s-start", "s-build", "s-glance", "s-stack", "s-finish",
			"build_ms", "push_ms", "deploy_ms"
		for (r = 1; r <= n; r++) {
			for (c = 1; c <= 8; c++)
				v[c] = S[c, r]
			srow("v" r, v) }
		for (c = 1; c <= 8; c++) {
			for (r = 1; r <= n; r++)
				a[r] = S[c, r]
			v[c] = median(a, n) }
		srow("med", v) }' "$out/all.tmp" || failed "no rows"
echo
echo "ms. total: git push until it returns (the hook deploys before that);"
echo "build: the engine alone for the same commit (nocache); upload: POST"
echo "/v2/images + curl --unix-socket .../get | curl -T - .../file of solum's"
echo "image, token fetched beforehand (auth: that fetch, not subtracted;"
echo "its first use at Glance and at Heat is inside upload and stack);"
echo "stack: POST (v1) or PUT of the same template and parameters to stack"
echo "$base_stack, polled every 100 ms until *_COMPLETE;"
echo "overhead = total - build - upload - stack; ovh-auth = overhead - auth;"
echo "rss-MB: peak RSS of solum (largest VmHWM of a solum process, sampled"
echo "every 50 ms);"
echo "solum's phases, from the time each line of its output arrived: s-start"
echo "(push begins to \"Building\": hook, Keystone, template), s-build (to"
echo "\"Built\"), s-glance (to \"Deploying stack\": digest lookup, upload,"
echo "check), s-stack (to \"Stack ... is\"), s-finish (to the push's end);"
echo "build_ms, push_ms, deploy_ms: what solum records per release."
echo "push outputs (ms since the push began on each line): $out/pushes/;"
echo "the services' logs: $out/openstack-log/"
