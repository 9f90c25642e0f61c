#!/usr/bin/env bash
# The main job on the embedded SQLite default: ingest the sample cards bundled in data/,
# show the register and its review queue, then check two corpora for an intended use.
set -euo pipefail
cd "$(dirname "$0")/.."

PYTHON=${PYTHON:-python3}
if [ ! -x .venv/bin/register ]; then
  "$PYTHON" -m venv .venv
  .venv/bin/python -m pip install --quiet --upgrade pip
  .venv/bin/python -m pip install --quiet -e .
fi
R=".venv/bin/register --db demo-register.db"
rm -rf demo-register.db demo-register.db-wal demo-register.db-shm demo-weights
export REGISTER_USER=demo

step() { printf '\n\033[1m$ %s\033[0m\n' "$*"; }

step "register ingest data/cards --recursive"
$R ingest data/cards --recursive

step "register list --format table"
$R list --format table

step "register list --needs-review --format csv     # the legal team's work queue"
$R list --needs-review --format csv

step "register license normalize 'CC BY-NC 4.0' 'Apache License 2.0' 'https://creativecommons.org/licenses/by-sa/3.0/' 'free for research'"
$R license normalize 'CC BY-NC 4.0' 'Apache License 2.0' \
  'https://creativecommons.org/licenses/by-sa/3.0/' 'free for research' --format table

step "register check data/corpus-support-bot.yaml --use service"
set +e
$R check data/corpus-support-bot.yaml --use service --format table
echo "exit code: $?  (0 allowed, 3 needs review, 4 blocked)"

step "register check data/corpus-research-mix.yaml --use internal"
$R check data/corpus-research-mix.yaml --use internal --format table
echo "exit code: $?"
set -e

step "register rights set arabic_speech_corpus --personal-data yes --sensitive biometric --lawful-basis consent --consent-purpose research --reason 'speaker consent forms' --by dpo"
$R rights set arabic_speech_corpus --personal-data yes --sensitive biometric \
  --lawful-basis consent --consent-purpose research --reason "speaker consent forms" --by dpo

step "register license set aeslc LicenseRef-aeslc-terms --reason 'read the corpus terms' --by legal"
$R license set aeslc LicenseRef-aeslc-terms --reason "read the corpus terms" --by legal

step "register check data/corpus-research-mix.yaml --use research"
set +e
$R check data/corpus-research-mix.yaml --use research --format table
echo "exit code: $?"
set -e

step "register notice data/corpus-support-bot.yaml --use service"
$R notice data/corpus-support-bot.yaml --use service

step "register model ingest data/model-cards --recursive     # real model cards: a Llama 3 base, a GGUF chain"
$R model ingest data/model-cards --recursive

mkdir -p demo-weights && printf 'demo weights' > demo-weights/model.safetensors
step "register model record acme/llama-bot-v1 --base NousResearch/Meta-Llama-3-8B --corpus data/corpus-llama-bot.yaml --weights demo-weights --owner alice --scope 'customer support bot, EU' --code-revision 3f2a9c1"
$R model record acme/llama-bot-v1 --base NousResearch/Meta-Llama-3-8B \
  --corpus data/corpus-llama-bot.yaml --weights demo-weights --owner alice \
  --scope "customer support bot, EU" --code-revision 3f2a9c1 --format table

step "register check --base-model acme/llama-bot-v1 --use release-weights"
set +e
$R check --base-model acme/llama-bot-v1 --use release-weights --format table
echo "exit code: $?"
set -e

step "register model trace acme/llama-bot-v1"
$R model trace acme/llama-bot-v1 --format table

step "register model trace TheBloke/Luna-AI-Llama2-Uncensored-GGUF     # a CC-BY-SA claim on a Llama 2 model"
$R model trace TheBloke/Luna-AI-Llama2-Uncensored-GGUF --format table

step "register model record NousResearch/Meta-Llama-3-8B --base acme/llama-bot-v1 ...     # a cycle"
set +e
$R model record NousResearch/Meta-Llama-3-8B --base acme/llama-bot-v1 \
  --corpus data/corpus-llama-bot.yaml --weights demo-weights --owner a --scope s
echo "exit code: $?"
set -e

step "register status acme/llama-bot-v1     # governance: each tier's checks, sign-offs, what is missing"
$R status acme/llama-bot-v1 --format table

step "register approve acme/llama-bot-v1 --tier controlled-pilot --role legal --by alice ...     # refused while a check fails"
set +e
$R approve acme/llama-bot-v1 --tier controlled-pilot --role legal --by alice \
  --reason "pilot for the EU support team"
echo "exit code: $?"

step "register reassess     # re-run every recorded check and approval: 0 unchanged, 3 review, 4 invalid"
$R reassess --format table
echo "exit code: $?"
set -e

step "register audit verify"
$R audit verify

echo
echo "The register is in demo-register.db; try: .venv/bin/register --db demo-register.db show squad_v2"
