#!/bin/bash
# A stand-in child for service_process_test: announces a port the way our
# services do, then exits 3 on SIGTERM. With "exit-now" it exits at once.
if [[ "${1:-}" == "exit-now" ]]; then echo "bye"; exit 7; fi
trap 'echo "got TERM"; exit 3' TERM
echo "starting"
echo "hyper fake: serving grpc on 127.0.0.1:4242"
while true; do sleep 0.05; done
