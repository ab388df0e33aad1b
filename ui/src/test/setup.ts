// Vitest setup: unmount rendered trees between tests, and give async queries room on a busy
// 2-core CI machine (the default 1 s made timing-heavy tests flaky under load).
import { afterEach } from "vitest";
import { cleanup, configure } from "@testing-library/react";

configure({ asyncUtilTimeout: 5000 });

afterEach(() => cleanup());
