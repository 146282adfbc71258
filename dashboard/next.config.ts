import type { NextConfig } from "next";

// A static export: the API serves dashboard/out at "/", so the dashboard and the
// API share one origin and no Node server runs in production.
const nextConfig: NextConfig = {
  output: "export",
  trailingSlash: true,
  images: { unoptimized: true },
  reactStrictMode: true,
};

export default nextConfig;
